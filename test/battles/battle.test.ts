/**
 * A battle end to end on the docker backend, with scripted contestants (`shell` entries of a
 * battle file), each a way a real agent's result can go: one fixes the bug, one edits the
 * test to pass, one deletes the tests, one breaks the build, one makes the test command
 * print passes but exit non-zero, one hangs past its time, one hunts for another's work in
 * its repository. The
 * repository's own tests grade each in a fresh sandbox (node --test); the ranking must put
 * the fix first and flag each cheat, and nothing of the grading is left behind.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';

const packageJson = JSON.stringify({
  name: 'dates',
  type: 'module',
  scripts: { test: 'node --test' },
});

const source = 'export function nextDay(day) {\n  return day + 2;\n}\n';

const tests = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextDay } from '../src/date.js';

test('next day adds one', () => {
  assert.equal(nextDay(1), 2);
});

test('keeps numbers numbers', () => {
  assert.equal(typeof nextDay(1), 'number');
});
`;

/** A repository with the off-by-one bug, one test failing on it and one passing. */
function datesRepo(): Promise<TestRepo> {
  return makeRepo({
    'package.json': packageJson,
    'src/date.js': source,
    'test/date.test.js': tests,
  });
}

/** Each contestant's script, run in its sandbox from the workspace. */
const contestants: Record<string, string> = {
  fixer: "sed -i 's/day + 2/day + 1/' src/date.js",
  'test-editor': "sed -i 's/nextDay(1), 2/nextDay(1), 3/' test/date.test.js",
  deleter: 'rm -rf test',
  breaker: "echo 'export function nextDay(day) { return day +; }' > src/date.js",
  faker: `node -e "const p=require('./package.json'); p.scripts.test=\\"printf 'TAP version 13\\\\\\\\nok 1 - next day adds one\\\\\\\\nok 2 - keeps numbers numbers\\\\\\\\n1..2\\\\\\\\n'; exit 1\\"; require('fs').writeFileSync('package.json', JSON.stringify(p))"`,
  hanger: 'sleep 600',
  spy: [
    'git cat-file -e "$RIVAL_BLOB" 2>/dev/null && echo rival-found > spy.txt || echo rival-not-found > spy.txt',
    'git for-each-ref --format="%(refname)" >> spy.txt',
    'git cat-file --batch-all-objects --batch-check="%(objecttype)" | sort | uniq -c >> spy.txt',
  ].join('; '),
};

describe('corral battle (docker)', () => {
  let repo: TestRepo;
  let home: string;
  let rivalBlob = '';

  beforeAll(async () => {
    home = await makeHome();
    repo = await datesRepo();
    // Work that is not the base's (another battle's branch, say): no contestant may see it.
    repo.git('checkout', '-qb', 'rival');
    await repo.write('rival.txt', 'the rival wrote this\n');
    repo.git('add', 'rival.txt');
    repo.git('commit', '-qm', 'rival');
    rivalBlob = repo.git('rev-parse', 'rival:rival.txt').trim();
    repo.git('checkout', '-q', '-');
  });

  it('ranks the real fix first, flags each cheat, and leaves nothing of the grading', async () => {
    const file = [
      'test: npm test --silent',
      'build: node --check src/date.js',
      'timeout: 20s',
      'contestants:',
      ...Object.entries(contestants).map(
        ([name, script]) =>
          `  - name: ${name}\n    agent: shell\n    command: ${JSON.stringify(
            name === 'spy' ? `RIVAL_BLOB=${rivalBlob}; ${script}` : script,
          )}`,
      ),
    ].join('\n');
    await repo.write('battle.yml', file);
    const r = await corral(
      home,
      ['battle', '-f', join(repo.dir, 'battle.yml'), '--parallel', '3', '--json'],
      { cwd: repo.dir, timeoutMs: 400_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{
      id: string;
      status: string;
      winner: string;
      ranking: Array<{ name: string; rank: number; reason: string }>;
      contestants: Array<{
        name: string;
        branch: string | null;
        run: { status: string } | null;
        grade: {
          resolved: boolean;
          score: number;
          flags: Array<{ code: string }>;
          failToPass: { total: number; passed: number };
          passToPass: { total: number; passed: number };
        } | null;
      }>;
      base: { run: { exitCode: number } | null };
    }>();
    expect(out.status).toBe('graded');
    expect(out.winner).toBe('fixer');
    expect(out.ranking[0]).toMatchObject({ name: 'fixer', rank: 1 });
    const by = Object.fromEntries(out.contestants.map((c) => [c.name, c]));
    const flags = (name: string) => by[name]!.grade?.flags.map((f) => f.code) ?? [];

    // The base: one test failing (the bug), one passing; so fail-to-pass and pass-to-pass are known.
    expect(by.fixer!.grade).toMatchObject({
      resolved: true,
      failToPass: { total: 1, passed: 1 },
      passToPass: { total: 1, passed: 1 },
    });
    expect(by.fixer!.grade!.score).toBeGreaterThan(0.9);
    expect(flags('fixer')).toEqual([]);
    for (const name of ['test-editor', 'deleter', 'breaker', 'faker', 'hanger', 'spy']) {
      expect(by[name]!.grade?.resolved ?? false, name).toBe(false);
      expect(out.ranking.find((x) => x.name === name)!.rank, name).toBeGreaterThan(1);
    }
    // The edited test was restored before grading, and the edit is reported.
    expect(flags('test-editor')).toContain('tests-changed');
    expect(by['test-editor']!.grade!.failToPass.passed).toBe(0);
    // A deleted suite is restored for grading: the bug is still there.
    expect(flags('deleter')).toContain('tests-changed');
    expect(by.deleter!.grade).toMatchObject({ suiteRan: true, failToPass: { passed: 0 } });
    // A build that does not load fails the test that passed on the base.
    expect(by.breaker!.grade!.passToPass.passed).toBe(0);
    expect(flags('breaker')).toContain('build-failed');
    // Passes printed by a test command that exits 1.
    expect(flags('faker')).toContain('exit-code-denies-results');
    expect(flags('faker')).toContain('runner-changed');
    expect(by.hanger!.run!.status).toBe('timed-out');

    // The spy's repository held the base's history only.
    const spy = repo.show(by.spy!.branch!, 'spy.txt') ?? '';
    expect(spy).toContain('rival-not-found');
    expect(spy).not.toContain('refs/heads/rival');
    expect(spy).not.toMatch(/refs\/heads\/corral\/battle-.*-(fixer|faker|breaker)/);
    // The fixer's work is on its branch, for battle merge.
    expect(repo.show(by.fixer!.branch!, 'src/date.js')).toContain('day + 1');

    // Nothing of the grading is left: no instance, no branch.
    const ls = await corral(home, ['ls', '--json']);
    const ids = ls.json<{ instances: Array<{ id: string; name: string | null }> }>().instances;
    expect(ids.filter((i) => (i.name ?? '').includes('-g-'))).toEqual([]);
    expect(repo.git('branch', '--list', 'corral/*-g-*').trim()).toBe('');

    // The record and the listing.
    const show = await corral(home, ['battle', 'show', out.id, '--json']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.json<{ ranking: unknown }>().ranking).toEqual(out.ranking);
    const list = await corral(home, ['battle', 'ls', '--json']);
    expect(list.json<{ battles: Array<{ id: string; winner: string }> }>().battles).toEqual([
      expect.objectContaining({ id: out.id, winner: 'fixer' }),
    ]);
    // The report: self-contained, every contestant in it, the fix's diff shown.
    const report = await readFile(join(home, 'battles', out.id, 'report.html'), 'utf8');
    expect(report).not.toMatch(/<script|https?:/i);
    for (const name of Object.keys(contestants)) expect(report).toContain(name);
    expect(report).toContain('+  return day + 1;');

    const stats = await corral(home, ['battle', 'stats', '--by', 'variant', '--json']);
    const rows = stats.json<{ rows: Array<{ key: string; wins: number; resolved: number }> }>()
      .rows;
    expect(rows[0]).toMatchObject({ key: 'fixer', wins: 1, resolved: 1 });
    expect(rows.map((r) => r.key).sort()).toEqual(Object.keys(contestants).sort());
    const record = JSON.parse(
      await readFile(join(home, 'battles', out.id, 'battle.json'), 'utf8'),
    ) as { status: string };
    expect(record.status).toBe('graded');

    // The battle began from uncommitted changes (battle.yml), so the fix is applied to the
    // tree, uncommitted; the others' branches are archived.
    const merged = await corral(home, ['battle', 'merge', out.id, '--json'], { cwd: repo.dir });
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.json()).toMatchObject({ contestant: 'fixer', how: 'applied-to-tree' });
    expect(await readFile(join(repo.dir, 'src', 'date.js'), 'utf8')).toContain('day + 1');
    expect(repo.git('status', '--porcelain', '--', 'src')).toBe(' M src/date.js\n');
    expect(repo.show(`corral/archive/${out.id}/faker`, 'package.json')).toContain('printf');
    expect(repo.branchExists(by.faker!.branch!)).toBe(false);
  }, 420_000);

  it("stops what still runs once the battle's time budget is spent, and grades what came back", async () => {
    const own = await datesRepo();
    await own.write(
      'budget.yml',
      [
        'test: npm test --silent',
        'parallel: 1',
        'battle-budget: { time: 12s }',
        'contestants:',
        `  - { name: quick, agent: shell, command: "sed -i 's/day + 2/day + 1/' src/date.js" }`,
        '  - { name: slow, agent: shell, command: "sleep 600" }',
        '  - { name: late, agent: shell, command: "sleep 600" }',
      ].join('\n'),
    );
    const r = await corral(home, ['battle', '-f', join(own.dir, 'budget.yml'), '--json'], {
      cwd: own.dir,
      timeoutMs: 200_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{
      id: string;
      winner: string;
      contestants: Array<{
        name: string;
        run: { status: string } | null;
        grading: { outcome: string | null; note: string | null };
      }>;
    }>();
    expect(out.winner).toBe('quick');
    const by = Object.fromEntries(out.contestants.map((c) => [c.name, c]));
    // The slow one was stopped (its work kept) or never started; the last never started.
    expect(['canceled', undefined]).toContain(by.slow!.run?.status);
    expect(by.late!.run).toBeNull();
    expect(by.late!.grading).toMatchObject({ outcome: 'no-work' });
    expect(by.late!.grading.note).toContain('not started: the battle reached its time (12.0s)');
    const record = JSON.parse(
      await readFile(join(home, 'battles', out.id, 'battle.json'), 'utf8'),
    ) as { budgetReached: string | null };
    expect(record.budgetReached).toBe('its time (12.0s)');
  });

  it('a start refused (no credential) stops with one line and leaves the battle to resume', async () => {
    const r = await corral(
      home,
      ['battle', '--agents', 'claude', '-p', 'fix it', '--test', 'npm test', '--json'],
      { cwd: repo.dir, env: { ANTHROPIC_API_KEY: '', CLAUDE_CODE_OAUTH_TOKEN: '' } },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      /interrupted; once fixed, corral battle resume battle-[a-z0-9]{5} goes on/,
    );
    const id = /(battle-[a-z0-9]{5})/.exec(r.stderr)![1]!;
    const show = await corral(home, ['battle', 'show', id, '--json']);
    expect(show.json<{ status: string }>().status).toBe('interrupted');
  });

  it('survives its command killed (kill -9) and Ctrl-C: battle resume finishes', async () => {
    // A repository of its own: the first battle's merge left its fix in the other's tree.
    const repo = await datesRepo();
    const slow = [
      'test: npm test --silent',
      'contestants:',
      '  - name: slow-fix',
      '    agent: shell',
      `    command: "sleep 8; sed -i 's/day + 2/day + 1/' src/date.js"`,
      '  - name: slow-noop',
      '    agent: shell',
      '    command: "sleep 8"',
    ].join('\n');
    await repo.write('slow.yml', slow);
    // Killed once both contestants run: they go on under the engine.
    let started = '';
    const killed = await corral(
      home,
      ['battle', '-f', join(repo.dir, 'slow.yml'), '--parallel', '3'],
      {
        cwd: repo.dir,
        timeoutMs: 120_000,
        onSpawn: (child) => {
          child.stderr?.on('data', (chunk: Buffer) => {
            started += chunk.toString();
            if ((started.match(/: running \(/g) ?? []).length >= 2) child.kill('SIGKILL');
          });
        },
      },
    );
    expect(killed.code).toBeNull();
    const id = /(battle-[a-z0-9]{5})/.exec(killed.stderr)?.[1] ?? '';
    expect(id).not.toBe('');
    const midway = JSON.parse(await readFile(join(home, 'battles', id, 'battle.json'), 'utf8')) as {
      status: string;
    };
    expect(midway.status).toBe('running');

    const resumed = await corral(home, ['battle', 'resume', id, '--json'], {
      cwd: repo.dir,
      timeoutMs: 200_000,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const out = resumed.json<{
      status: string;
      winner: string;
      ranking: Array<{ name: string; rank: number }>;
    }>();
    expect(out).toMatchObject({ status: 'graded', winner: 'slow-fix' });
    expect(out.ranking.map((r) => r.rank)).toEqual([1, 2]);
    // Each contestant ran once: the resume took up what the killed command had started.
    const ls = await corral(home, ['ls', '--json']);
    const names = ls
      .json<{ instances: Array<{ name: string | null }> }>()
      .instances.map((i) => i.name)
      .filter((n) => n?.startsWith(`${id}-slow`));
    expect(names.sort()).toEqual([`${id}-slow-fix`, `${id}-slow-noop`]);

    // Ctrl-C: the contestants are stopped (their work kept), the battle interrupted.
    let seen = '';
    const interrupted = await corral(home, ['battle', '-f', join(repo.dir, 'slow.yml'), '--json'], {
      cwd: repo.dir,
      timeoutMs: 120_000,
      onSpawn: (child) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes(': running (') && !seen.includes('stopping')) child.kill('SIGINT');
        });
      },
    });
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const stopped = interrupted.json<{ id: string; status: string }>();
    expect(stopped.status).toBe('interrupted');
    const again = await corral(home, ['battle', 'resume', stopped.id, '--json'], {
      cwd: repo.dir,
      timeoutMs: 200_000,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<{ status: string }>().status).toBe('graded');
  }, 420_000);
});
