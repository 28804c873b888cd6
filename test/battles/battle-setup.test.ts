/**
 * A battle's setup prepares each contestant's sandbox before its agent starts, as it
 * prepares each grading sandbox: a contestant that needs what the setup made finds it,
 * and what the setup left untracked is not on its branch (nor counted as its change). A
 * setup that fails is the infrastructure's failure, not the contestant's: it is never
 * scored, the report says its sandbox could not be prepared. Scripted contestants on the
 * docker backend.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeDatesRepo } from '../helpers/dates-repo.js';

interface Outcome {
  id: string;
  status: string;
  winner: string | null;
  contestants: Array<{
    name: string;
    branch: string | null;
    run: { status: string } | null;
    grading: { outcome: string | null; note: string | null };
    grade: { resolved: boolean; infrastructure: boolean } | null;
  }>;
}

const packageJson = JSON.stringify({ type: 'module', scripts: { test: 'node --test' } });

describe('a battle with a setup (docker)', () => {
  it("prepares each contestant's sandbox before its agent starts", async () => {
    const home = await makeHome();
    const repo = await makeDatesRepo({ 'package.json': packageJson });
    await repo.write(
      'battle.yml',
      [
        'test: npm test --silent',
        // What a dependency install leaves: untracked files the work needs.
        'setup: "mkdir -p deps && echo 1 > deps/step"',
        'contestants:',
        // Fixes the bug only with the setup's file there (its step, from deps/).
        `  - { name: prepared, agent: shell, command: "test -f deps/step && sed -i \\"s/day + 2/day + $(cat deps/step)/\\" src/date.js" }`,
        '  - { name: idle, agent: shell, command: "true" }',
      ].join('\n'),
    );
    const r = await corral(home, ['battle', '-f', join(repo.dir, 'battle.yml'), '--json'], {
      cwd: repo.dir,
      timeoutMs: 300_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    expect(out.winner).toBe('prepared');
    const prepared = out.contestants.find((c) => c.name === 'prepared')!;
    expect(prepared.grade?.resolved).toBe(true);
    expect(repo.show(prepared.branch!, 'src/date.js')).toContain('day + 1');
    expect(repo.show(prepared.branch!, 'deps/step')).toBeUndefined();
  }, 360_000);
});

describe('a battle whose setup fails (local)', () => {
  it('is the infrastructure failing, never scored against the contestant', async () => {
    const home = await makeHome();
    const repo = await makeDatesRepo({ 'package.json': packageJson });
    await repo.write(
      'battle.yml',
      [
        'test: npm test --silent',
        'setup: "echo registry unreachable >&2; exit 7"',
        'contestants:',
        `  - { name: fixer, agent: shell, command: "sed -i 's/day + 2/day + 1/' src/date.js" }`,
      ].join('\n'),
    );
    const r = await corral(
      home,
      ['battle', '--backend', 'local', '-f', join(repo.dir, 'battle.yml'), '--json'],
      { cwd: repo.dir, timeoutMs: 300_000 },
    );
    const out = r.json<Outcome>();
    const fixer = out.contestants.find((c) => c.name === 'fixer')!;
    expect(fixer.run?.status).toBe('failed');
    expect(fixer.grading.outcome).toBe('infrastructure');
    expect(fixer.grading.note).toMatch(/The setup \(.*\) exited with 7 .*registry unreachable/);
    // Its branch is the battle's base: nothing of it ran.
    const record = JSON.parse(
      await readFile(join(home, 'battles', out.id, 'battle.json'), 'utf8'),
    ) as { base: string };
    expect(repo.git('rev-parse', fixer.branch!).trim()).toBe(record.base);
    const report = await readFile(join(home, 'battles', out.id, 'report.html'), 'utf8');
    expect(report).toMatch(/Its sandbox could not be prepared for its agent/);
    // Nobody was graded: nobody is named the winner.
    const shown = await corral(home, ['battle', 'show', out.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^no winner: no contestant could be graded/m);
    expect(shown.stdout).not.toMatch(/^winner:/m);
  }, 360_000);
});

describe("a battle whose setup fails in a branch's grading alone (local)", () => {
  it("grades the branch as not resolved (the setup failing there is the branch's doing)", async () => {
    const home = await makeHome();
    const repo = await makeDatesRepo({ 'package.json': packageJson });
    await repo.write(
      'battle.yml',
      [
        'test: npm test --silent',
        // Fails only where the protected tests were restored into a grading commit: the
        // grading of a branch that edited them (its setup phase, not the script).
        `setup: 'if [ "$(git log -1 --format=%s)" = "corral: the tip as graded" ]; then echo broken here >&2; exit 4; fi'`,
        'contestants:',
        `  - { name: editor, agent: shell, command: "sed -i 's/day + 2/day + 1/' src/date.js && echo // >> test/date.test.js" }`,
      ].join('\n'),
    );
    const r = await corral(
      home,
      ['battle', '--backend', 'local', '-f', join(repo.dir, 'battle.yml'), '--json'],
      { cwd: repo.dir, timeoutMs: 300_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    const editor = out.contestants.find((c) => c.name === 'editor')!;
    expect(editor.run?.status).toBe('succeeded');
    expect(editor.grading.outcome).toBe('graded');
    expect(editor.grade).toMatchObject({ resolved: false, infrastructure: false });
    const file = JSON.parse(
      await readFile(join(home, 'battles', out.id, 'grading', 'editor.json'), 'utf8'),
    ) as { run: { failure: string | null }; changedTests: string[] };
    expect(file.run.failure).toBe('setup-failed');
    expect(file.changedTests).toEqual(['test/date.test.js']);
  }, 360_000);
});
