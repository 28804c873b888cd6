import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TestStatus } from '../../grading/index.js';
import type { BattleRecord, ContestantState } from './battle-record.js';
import type { BattleResults, GradingFile } from './battle-results.js';
import { listedTestChangesMax } from './battle-report-contestant.js';
import { patchShownMaxChars } from './battle-report-patch.js';
import { renderBattleReport, type BattleReportInput } from './battle-report.js';
import { gradeContestant, type Grade } from './grade.js';
import { sampleRun } from './grading-run.fixture.js';
import { rankContestants } from './rank.js';

const hostileTest = '<img src=x onerror=alert(1)>';
const hostileName = `o"brien's-<b>agent</b>`;
const hostileFile = `test/"><script>alert(2)</script>.test.ts`;
const fixes = 'test/math.test.ts > math > divides by zero';
const keeps = 'test/math.test.ts > math > adds';

const baseTests: Record<string, TestStatus> = {
  [fixes]: 'failed',
  [keeps]: 'passed',
  [hostileTest]: 'passed',
  'test/math.test.ts > math > later': 'skipped',
};
const base: GradingFile = { run: sampleRun(baseTests), changedTests: [] };

const fixerPatch = `diff --git a/src/math.ts b/src/math.ts
index 3b18e51..a9c2f0d 100644
--- a/src/math.ts
+++ b/src/math.ts
@@ -1,5 +1,7 @@
 export function divide(a: number, b: number): number {
-  return a / b;
+  // A comment that closes the diff box: </pre><script>alert(1)</script>
+  if (b === 0) throw new RangeError('division by zero');
+  return a / b;
 }
---- a line removed that starts with three dashes
`;

function contestant(name: string, overrides: Partial<ContestantState> = {}): ContestantState {
  return {
    name,
    agent: 'claude',
    model: 'claude-sonnet-4-5',
    instanceId: `i-${name.length}`,
    run: { status: 'succeeded', exitCode: 0, durationMs: 252_000, branch: `corral/${name}` },
    work: { files: 1, added: 3, deleted: 1 },
    spent: { tokens: 48_210, usd: 0.42 },
    summary: {
      inputTokens: 40_000,
      outputTokens: 8_210,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.42,
      filesChanged: 1,
      linesAdded: null,
      linesDeleted: null,
      toolCalls: 17,
      denials: ['Bash'],
      egressDenied: 2,
      modelCallsDenied: 0,
      unreachableHosts: ['evil.example<script>'],
    },
    grading: { attempts: 1, instanceId: null, nonce: null, outcome: 'graded', note: null },
    ...overrides,
  };
}

const files = new Map<string, GradingFile>([
  ['base', base],
  ['fixer', { run: sampleRun({ ...baseTests, [fixes]: 'passed' }), changedTests: [] }],
  [
    hostileName,
    {
      run: sampleRun({ ...baseTests, [fixes]: 'passed', [hostileTest]: 'failed' }),
      changedTests: [hostileFile],
    },
  ],
]);

const contestants: ContestantState[] = [
  contestant(hostileName, { agent: 'codex', model: 'gpt-5<i>', work: null }),
  contestant('fixer'),
  contestant('hanger', {
    agent: 'shell',
    model: null,
    run: { status: 'timed-out', exitCode: null, durationMs: 1_800_000, branch: 'corral/hanger' },
    spent: null,
    grading: {
      attempts: 3,
      instanceId: null,
      nonce: null,
      outcome: 'infrastructure',
      note: 'The grading sandbox could not start: <no space left>',
    },
  }),
];

function record(overrides: Partial<BattleRecord> = {}): BattleRecord {
  return {
    schemaVersion: 1,
    id: 'battle-k3x9q',
    createdAt: '2025-05-01T10:00:00.000Z',
    endedAt: '2025-05-01T10:41:07.000Z',
    status: 'graded',
    repoDir: '/home/dev/projects/calculator',
    startBranch: 'main',
    base: '4f1c2a9be07d3e5f1a2b3c4d5e6f708192a3b4c5',
    baseDirty: false,
    merged: null,
    proposed: null,
    hidden: null,
    budgetReached: null,
    backend: 'docker',
    limits: { memoryBytes: 4 * 1024 ** 3, cpus: 2, pids: 512 },
    spec: {
      prompt: 'Make divide() throw a RangeError on division by zero. Say "done" & <stop>.',
      contestants: contestants.map((c) => ({
        name: c.name,
        agent: c.agent,
        model: c.model,
        prompt: null,
        command: [],
        context: [],
      })),
      test: 'npx vitest run --reporter=verbose',
      setup: 'npm ci',
      build: null,
      lint: null,
      battleBudget: { timeMs: null, usd: null, tokens: null },
      failToPass: [],
      passToPass: [],
      tests: ['test/**'],
      hiddenTests: null,
      timeoutMs: 1_800_000,
      gradeTimeoutMs: 600_000,
      parallel: 2,
      budget: { tokens: null, usd: null, rpm: null },
      allowHosts: [],
      setupAllowHosts: [],
      setupEnv: [],
      rank: null,
    },
    baseGrading: { attempts: 1, instanceId: null, nonce: null, outcome: 'graded', note: null },
    contestants,
    ranking: null,
    ...overrides,
  };
}

/** The results the way loadBattleResults computes them, from the files above. */
function resultsOf(rec: BattleRecord, gradingFiles: ReadonlyMap<string, GradingFile>) {
  const baseFile = gradingFiles.get('base');
  const grades = new Map<string, Grade>();
  const graded = new Map<string, GradingFile>();
  if (baseFile) graded.set('base', baseFile);
  for (const c of rec.contestants) {
    const file = gradingFiles.get(c.name);
    if (!file || c.grading.outcome !== 'graded') continue;
    graded.set(c.name, file);
    if (!baseFile) continue;
    const testFilesChanged = file.changedTests;
    grades.set(
      c.name,
      gradeContestant({ base: baseFile.run, contestant: file.run, testFilesChanged }),
    );
  }
  const ranked = rankContestants(
    rec.contestants.map((c) => ({
      name: c.name,
      grade: grades.get(c.name) ?? null,
      durationMs: c.run?.durationMs ?? null,
      diffLines: c.work ? c.work.added + c.work.deleted : null,
      costUsd: c.spent?.usd ?? null,
    })),
  ).map(({ name, rank, reason }) => ({ name, rank, reason }));
  const results: BattleResults = {
    base: baseFile?.run ?? null,
    grades,
    gradingFiles: graded,
    ranked,
  };
  return results;
}

function input(
  overrides: Partial<BattleReportInput> & { gradingFiles?: ReadonlyMap<string, GradingFile> } = {},
): BattleReportInput {
  const { gradingFiles = files, ...rest } = overrides;
  const rec = rest.record ?? record();
  return {
    record: rec,
    results: resultsOf(rec, gradingFiles),
    patches: new Map([['fixer', fixerPatch]]),
    generatedAt: '2025-05-01T11:00:00.000Z',
    ...rest,
  };
}

/** The section of the contestant whose summary names `name` (escaped as the page has it). */
function sectionOf(page: string, escapedName: string): string {
  const sections = page.split('<details class="contestant"').slice(1);
  const found = sections.find((s) => s.includes(`<strong>${escapedName}</strong>`));
  if (found === undefined) throw new Error(`no section for ${escapedName}`);
  return found.slice(0, found.indexOf('</details>'));
}

function rankingNames(page: string): string[] {
  const table = /<table class="ranking">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
  return [...table.matchAll(/<a href="#contestant-\d+"><strong>(.*?)<\/strong>/g)].map(
    (m) => m[1] ?? '',
  );
}

const escape = (s: string) =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

describe('renderBattleReport', () => {
  const report = input();
  const page = renderBattleReport(report);

  if (process.env.CORRAL_BATTLE_REPORT_SAMPLE) {
    // To look at it: CORRAL_BATTLE_REPORT_SAMPLE=/tmp/sample.html npx vitest run … this file.
    writeFileSync(process.env.CORRAL_BATTLE_REPORT_SAMPLE, page);
  }

  it('is one document with no script and no URL', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/https?:/i);
    expect(page).not.toMatch(/<(img|iframe|link|object|embed|form|base)\b/i);
    expect(page).toContain(`content="default-src &#39;none&#39;;`);
  });

  it('shows hostile text only escaped: test names, patches, file names, contestant names, the prompt', () => {
    for (const hostile of [hostileTest, hostileName, hostileFile, 'gpt-5<i>', '<no space left>']) {
      expect(page).not.toContain(hostile);
      expect(page).toContain(escape(hostile));
    }
    expect(page).not.toContain('</pre><script>');
    expect(page).toContain('&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('Say &quot;done&quot; &amp; &lt;stop&gt;.');
    expect(page).not.toContain('<b>agent</b>');
  });

  it('ranks the contestants in the order of the results, the winner highlighted', () => {
    const order = report.results.ranked.map((r) => escape(r.name));
    expect(order).toEqual(['fixer', escape(hostileName), 'hanger']);
    expect(rankingNames(page)).toEqual(order);
    const winners = [...page.matchAll(/<tr class="winner">[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toContain('<strong>fixer</strong>');
    expect(winners[0]).toContain('claude@claude-sonnet-4-5');
    expect(winners[0]).toContain('1.000');
    expect(winners[0]).toContain('$0.42');
    expect(winners[0]).toContain('succeeded · 4m12s');
  });

  it('lists the tests that ended differently than on the base, with both statuses', () => {
    const fixer = sectionOf(page, 'fixer');
    expect(fixer).toContain(
      `<td class="id">${escape(fixes)}</td><td class="nowrap"><span class="st-failed">failed</span> → <span class="st-passed">passed</span></td>`,
    );
    expect(fixer).not.toContain(escape(keeps));
    const hostile = sectionOf(page, escape(hostileName));
    expect(hostile).toContain(
      `<td class="id">${escape(hostileTest)}</td><td class="nowrap"><span class="st-passed">passed</span> → <span class="st-failed">failed</span></td>`,
    );
    expect(hostile).toContain(`<li><code>${escape(hostileFile)}</code></li>`);
    expect(hostile).toContain('title="The branch changed 1 protected test file');
  });

  it("sums up each run's transcript in a line, hosts it named escaped", () => {
    const fixer = sectionOf(page, 'fixer');
    expect(fixer).toContain(
      '<dt>Transcript</dt><dd>17 tool calls; refused by its CLI: Bash; 2 connections denied; could not reach evil.example&lt;script&gt;</dd>',
    );
  });

  it('shows the score part by part, summing to the score', () => {
    const hostile = sectionOf(page, escape(hostileName));
    const grade = report.results.grades.get(hostileName);
    expect(grade?.score).toBeCloseTo(0.3 + 0.2 * 0.5 - 0.1, 10);
    for (const part of grade?.breakdown ?? []) {
      expect(hostile).toContain(`<td><code>${escape(part.part)}</code></td>`);
    }
    expect(hostile).toContain(
      `<tfoot><tr><th colspan="3">Score</th><th class="num">${grade?.score.toFixed(3)}</th>`,
    );
  });

  it('colours the diff by line and keeps a removed "---" line a removal', () => {
    const fixer = sectionOf(page, 'fixer');
    expect(fixer).toContain('<span class="meta">--- a/src/math.ts</span>');
    expect(fixer).toContain('<span class="hunk">@@ -1,5 +1,7 @@</span>');
    expect(fixer).toContain('<span class="del">-  return a / b;</span>');
    expect(fixer).toContain('<span class="add">+  return a / b;</span>');
    expect(fixer).toContain('<span class="del">---- a line removed');
  });

  it('shows why a contestant was not graded', () => {
    const hanger = sectionOf(page, 'hanger');
    expect(hanger).toContain(
      'Every grading attempt (3) failed for a reason not its own. Last attempt: The grading sandbox could not start: &lt;no space left&gt;',
    );
    expect(hanger).toContain('timed-out');
    expect(hanger).toContain('No diff was recorded.');
    expect(hanger).not.toContain('<h3>Flags</h3>');
  });

  it('cuts a long patch at a line end and says how much was left out', () => {
    const line = '+' + 'x'.repeat(99) + '\n';
    const lines = Math.ceil((patchShownMaxChars * 1.5) / line.length);
    const long = '@@ -0,0 +1 @@\n' + line.repeat(lines - 1) + '+the last line\n';
    const fixer = sectionOf(
      renderBattleReport(input({ patches: new Map([['fixer', long]]) })),
      'fixer',
    );
    const shownLines = Math.floor((patchShownMaxChars - 14) / line.length);
    const restChars = long.length - 14 - shownLines * line.length;
    expect(fixer).not.toContain('the last line');
    expect(fixer).toContain(
      `The diff is ${long.length.toLocaleString('en')} characters long: the last ${restChars.toLocaleString('en')} characters (${(lines - shownLines).toLocaleString('en')} lines) are not shown.`,
    );
    expect(fixer.split('<span class="add">').length - 1).toBe(shownLines);
  });

  it('lists at most the cap of changed tests, and counts the rest', () => {
    const many: Record<string, TestStatus> = {};
    for (let i = 0; i < listedTestChangesMax + 50; i++) many[`test/t.test.ts > t${i}`] = 'passed';
    const gradingFiles = new Map([
      ['base', { run: sampleRun(many), changedTests: [] }],
      ['fixer', { run: sampleRun({}), changedTests: [] }],
    ]);
    const rec = record({ contestants: [contestant('fixer')] });
    const fixer = sectionOf(renderBattleReport(input({ record: rec, gradingFiles })), 'fixer');
    expect(fixer).toContain(`Test (${listedTestChangesMax + 50})`);
    expect(fixer.split('<td class="id">').length - 1).toBe(listedTestChangesMax);
    expect(fixer).toContain(
      '<span class="st-passed">passed</span> → <span class="st-absent">absent</span>',
    );
    expect(fixer).toContain('and 50 more');
  });

  it('says why the base was not graded, and grades no contestant without it', () => {
    const rec = record({
      status: 'interrupted',
      endedAt: null,
      baseGrading: {
        attempts: 2,
        instanceId: null,
        nonce: null,
        outcome: 'infrastructure',
        note: 'Docker went away',
      },
    });
    const gradingFiles = new Map([...files].filter(([who]) => who !== 'base'));
    const page = renderBattleReport(input({ record: rec, gradingFiles }));
    expect(page).toContain(
      'The base was not graded: every grading attempt (2) failed. Last attempt: Docker went away',
    );
    expect(sectionOf(page, 'fixer')).toContain(
      'The base was not graded, so there is nothing to grade it against.',
    );
    expect(page).not.toContain('class="winner');
  });

  it('marks a winner that did not resolve the task apart from one that did', () => {
    const rec = record({ contestants: contestants.filter((c) => c.name !== 'fixer') });
    const page = renderBattleReport(input({ record: rec }));
    const winners = [...page.matchAll(/<tr class="winner[^"]*">[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatch(/^<tr class="winner unresolved">/);
    expect(winners[0]).toContain(`<strong>${escape(hostileName)}</strong>`);
  });
});
