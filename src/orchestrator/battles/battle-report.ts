/**
 * A battle's report, `battles/<id>/report.html`: one self-contained page a person opens to see
 * who won and why: the battle, the ranking, the base's grading, and each contestant's score
 * part by part, flags, changed tests and diff. Pure: the caller loads the record, the results
 * and the files, and writes the page.
 *
 * Nearly everything shown came from a contestant or from a test run it could rig (test names,
 * patches, flag messages, branch and contestant names, the prompt), so the page is built with
 * `markup` (lib/html.ts), which escapes every value; it holds no script and names no URL, and
 * its Content-Security-Policy forbids both should a value ever slip through.
 */
import { markup, type Html } from '../../lib/html.js';
import { baseGradingName, type BattleRecord, type ContestantState } from './battle-record.js';
import type { BattleResults, RankedContestant } from './battle-results.js';
import {
  contestantLabel,
  costText,
  flagBadges,
  formatScore,
  fraction,
  resolvedCell,
  runSummary,
  whyNotGraded,
  workCell,
} from './battle-report-cells.js';
import { renderContestantSection } from './battle-report-contestant.js';
import { battleReportStyle } from './battle-report-style.js';
import type { GradingRun } from './grading-run.js';
import { defaultRankRuleDescription, describeRankRule, parseRankRule } from './rank-rule.js';

export interface BattleReportInput {
  record: BattleRecord;
  /** With each grading run's file (`results.gradingFiles`; absent: not graded). */
  results: BattleResults;
  /** Each contestant's diff against the base (unified patch text), by name; absent: none. */
  patches: ReadonlyMap<string, string>;
  /** When the report was made (ISO), shown in it. */
  generatedAt: string;
}

/** No script, no fetch, no frame, no form, whatever the page says: only its own styles. */
const contentSecurityPolicy =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'";

function rankRuleText(rank: string | null): string {
  if (rank === null) return defaultRankRuleDescription;
  try {
    return describeRankRule(parseRankRule(rank));
  } catch {
    return rank;
  }
}

function header(record: BattleRecord, generatedAt: string): Html {
  const { spec } = record;
  const branch = record.startBranch;
  return markup`<header>
<h1>Battle <code>${record.id}</code> <span class="badge">${record.status}</span></h1>
<dl class="facts">
<dt>Repository</dt><dd><code>${record.repoDir}</code>${branch === null ? null : markup` <span class="muted">on</span> <code>${branch}</code>`}</dd>
<dt>Base commit</dt><dd>${record.base === null ? markup`<span class="muted">not yet taken</span>` : markup`<code title="${record.base}">${record.base.slice(0, 12)}</code>`}</dd>
<dt>Test command</dt><dd><code>${spec.test}</code></dd>
${spec.setup === null ? null : markup`<dt>Setup</dt><dd><code>${spec.setup}</code></dd>`}
<dt>Ranked by</dt><dd>${rankRuleText(spec.rank)}</dd>
<dt>Created</dt><dd>${record.createdAt}</dd>
<dt>Ended</dt><dd>${record.endedAt ?? markup`<span class="muted">not yet</span>`}</dd>
<dt>Report made</dt><dd>${generatedAt}</dd>
<dt>Prompt</dt><dd>${spec.prompt === null ? markup`<span class="muted">none: each contestant has its own</span>` : markup`<pre class="prompt">${spec.prompt}</pre>`}</dd>
</dl>
</header>`;
}

interface Row {
  index: number;
  ranked: RankedContestant;
  contestant: ContestantState | undefined;
}

function isWinner(row: Row, results: BattleResults): boolean {
  const grade = results.grades.get(row.ranked.name);
  return row.ranked.rank === 1 && grade !== undefined && !grade.infrastructure;
}

/** The winner's row stands out, in green only when it resolved the task: the best of failures is no success. */
function rowClass(row: Row, results: BattleResults): Html | null {
  if (!isWinner(row, results)) return null;
  const resolved = results.grades.get(row.ranked.name)?.resolved === true;
  return resolved ? markup` class="winner"` : markup` class="winner unresolved"`;
}

function rankingRow(row: Row, results: BattleResults, baseGraded: boolean): Html {
  const { ranked, contestant } = row;
  const grade = results.grades.get(ranked.name);
  const reason = whyNotGraded(contestant, grade, baseGraded);
  const scored =
    reason === null && grade
      ? markup`<td class="num">${formatScore(grade.score)}</td><td class="num">${fraction(grade.failToPass)}</td><td class="num">${fraction(grade.passToPass)}</td><td>${flagBadges(grade.flags)}</td>`
      : markup`<td colspan="4" class="muted" title="${reason ?? ''}">not graded</td>`;
  return markup`<tr${rowClass(row, results)}>
<td class="num">${ranked.rank}</td>
<td><a href="#contestant-${row.index}">${contestantLabel(ranked.name, contestant)}</a></td>
<td>${resolvedCell(grade)}</td>${scored}
<td class="num">${workCell(contestant)}</td>
<td class="nowrap">${runSummary(contestant)}</td>
<td class="num">${costText(contestant)}</td>
<td class="small">${ranked.reason}</td>
</tr>`;
}

function ranking(rows: readonly Row[], results: BattleResults, baseGraded: boolean): Html {
  if (rows.length === 0) return markup`<p class="muted">No contestant has been ranked yet.</p>`;
  return markup`<div class="scroll"><table class="ranking">
<thead><tr><th class="num">#</th><th>Contestant</th><th>Resolved</th><th class="num">Score</th><th class="num">Fail→pass</th><th class="num">Pass→pass</th><th>Flags</th><th class="num">Changed</th><th>Run</th><th class="num">Cost</th><th>Why here</th></tr></thead>
<tbody>${rows.map((row) => rankingRow(row, results, baseGraded))}</tbody>
</table></div>`;
}

function baseGrading(record: BattleRecord, run: GradingRun | null): Html {
  if (run === null) {
    const state = record.baseGrading;
    const why =
      state.outcome === 'infrastructure'
        ? `every grading attempt (${state.attempts}) failed`
        : (state.outcome ?? 'not graded yet');
    const note = state.note === null ? '' : ` Last attempt: ${state.note}`;
    return markup`<p class="no-grade">The base was not graded: ${why}.${note}</p>`;
  }
  const counts = run.report?.counts;
  const tests = counts
    ? markup`<span class="st-passed">${counts.passed} passed</span>, <span class="${counts.failed > 0 ? 'st-failed' : ''}">${counts.failed} failed</span>, ${counts.errored} errored, ${counts.skipped} skipped`
    : markup`<span class="muted">no test results could be read</span>`;
  const truncated = run.report?.truncated ? ' (more tests than were read)' : '';
  return markup`<dl class="facts">
<dt>Tests</dt><dd>${tests}</dd>
<dt>Read as</dt><dd>${run.report?.format ?? '—'}${truncated}</dd>
<dt>Exit code</dt><dd>${run.exitCode ?? 'none: it did not end by itself'}</dd>
${run.failure === null ? null : markup`<dt>Stopped short</dt><dd class="no">${run.failure}</dd>`}
</dl>`;
}

/** Every contestant in ranked order; one the ranking does not name yet comes last. */
function rowsOf(record: BattleRecord, results: BattleResults): Row[] {
  const byName = new Map(record.contestants.map((c) => [c.name, c]));
  const listed = new Set(results.ranked.map((r) => r.name));
  const unranked = record.contestants
    .filter((c) => !listed.has(c.name))
    .map((c) => ({ name: c.name, rank: results.ranked.length + 1, reason: 'not ranked yet' }));
  return [...results.ranked, ...unranked].map((ranked, index) => ({
    index: index + 1,
    ranked,
    contestant: byName.get(ranked.name),
  }));
}

/**
 * The whole HTML document.
 *
 * @example
 * const results = await loadBattleResults(home, record);
 * const page = renderBattleReport({ record, results, patches, generatedAt });
 */
export function renderBattleReport(input: BattleReportInput): string {
  const { record, results, patches } = input;
  const { gradingFiles } = results;
  const baseFile = gradingFiles.get(baseGradingName);
  const baseGraded = results.base !== null;
  const rows = rowsOf(record, results);
  const firstWinner = rows.find((row) => isWinner(row, results));
  const sections = rows.map((row) =>
    renderContestantSection(
      {
        index: row.index,
        ranked: row.ranked,
        contestant: row.contestant,
        grade: results.grades.get(row.ranked.name),
        file: gradingFiles.get(row.ranked.name),
        baseFile,
        changedTests: gradingFiles.get(row.ranked.name)?.changedTests ?? [],
        patch: patches.get(row.ranked.name),
        open: row === firstWinner,
      },
      baseGraded,
    ),
  );
  const page = markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Battle ${record.id} · corral</title>
<style>${battleReportStyle}</style>
</head>
<body>
${header(record, input.generatedAt)}
<main>
<h2>Ranking</h2>
${ranking(rows, results, baseGraded)}
<h2>The base's grading</h2>
${baseGrading(record, results.base ?? baseFile?.run ?? null)}
<h2>Contestants</h2>
${sections}
</main>
<footer>Made by corral at ${input.generatedAt}. The test names, diffs and messages above came from the contestants' runs; they are shown as text.</footer>
</body>
</html>
`;
  return page.toString();
}
