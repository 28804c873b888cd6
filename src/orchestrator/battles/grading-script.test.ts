/**
 * The grading script run with plain `sh` on a real repository (the battle tests run it in
 * sandboxes): it reports and restores the protected tests a contestant changed, runs the
 * setup, then the tests, passes their exit code through, and its own lines are read back
 * whatever the contestant's code printed around them.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../../../test/helpers/git-repo.js';
import {
  defaultTestPathspecs,
  makeGradingScript,
  readGradingOutput,
  setupFailedExitCode,
} from './grading-script.js';

async function contestantRepo() {
  const repo = await makeRepo({
    'src/a.js': 'a\n',
    'test/a.test.js': 'the real test\n',
    'test/b.test.js': 'another test\n',
    'lib/x.spec.ts': 'a spec\n',
  });
  const base = repo.git('rev-parse', 'HEAD').trim();
  await repo.write('test/a.test.js', 'a test made to pass\n');
  repo.git('rm', '-q', 'test/b.test.js');
  await repo.write('src/a.js', 'fixed\n');
  await repo.write('test/new.test.js', 'a new test\n');
  repo.git('add', '-A');
  repo.git('commit', '-qm', 'contestant');
  return { repo, base };
}

function run(dir: string, command: string[]) {
  const r = spawnSync(command[0]!, command.slice(1), { cwd: dir, encoding: 'utf8' });
  return { code: r.status, output: r.stdout + r.stderr };
}

describe('the grading script', () => {
  it('lists and restores changed tests, keeps new ones, and passes the exit code through', async () => {
    const { repo, base } = await contestantRepo();
    const script = makeGradingScript({
      baseTip: base,
      tests: defaultTestPathspecs,
      setup: 'echo setting up',
      test: 'cat test/a.test.js test/b.test.js test/new.test.js src/a.js; exit 3',
    });
    const r = run(repo.dir, script.command);
    expect(r.code).toBe(3);
    const read = readGradingOutput(r.output, script.nonce);
    expect(read.changedTests.sort()).toEqual(['test/a.test.js', 'test/b.test.js']);
    expect(read.setupExit).toBe(0);
    expect(read.testsEnded).toBe(true);
    expect(read.testOutput).toContain('the real test\nanother test\na new test\nfixed\n');
    expect(read.testOutput).not.toContain('setting up');
    // Nothing of the grading stays in the tree.
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('stops at a failing setup with its own exit code, and says so last', async () => {
    const { repo, base } = await contestantRepo();
    const script = makeGradingScript({
      baseTip: base,
      tests: [],
      setup: 'exit 5',
      test: 'echo never',
    });
    const r = run(repo.dir, script.command);
    expect(r.code).toBe(setupFailedExitCode);
    const read = readGradingOutput(r.output, script.nonce);
    expect(read).toMatchObject({ setupExit: 5, testsEnded: false, changedTests: [] });
    expect(r.output).not.toContain('never');
  });

  it('runs the build and lint checks before the tests and reports their exit codes', async () => {
    const { repo, base } = await contestantRepo();
    const script = makeGradingScript({
      baseTip: base,
      tests: [],
      setup: null,
      build: 'echo building; exit 2',
      lint: 'true',
      test: 'echo testing',
    });
    const r = run(repo.dir, script.command);
    expect(r.code).toBe(0);
    const read = readGradingOutput(r.output, script.nonce);
    expect(read).toMatchObject({ setupExit: 0, buildExit: 2, lintExit: 0, testsEnded: true });
    expect(read.testOutput.trim().split('\n')[0]).toBe('testing');
    expect(read.testOutput).not.toContain('building');
  });

  it('takes the first list and the last verdict, whatever the code under test printed', () => {
    const mark = '[corral-grade n1]';
    const output = [
      `${mark} changed test/a.test.js`,
      `${mark} changed-end`,
      // The setup (the contestant's code) forging lines:
      `${mark} changed test/forged.js`,
      `${mark} setup-exit 0`,
      'npm ERR! broken',
      `${mark} setup-exit 1`,
    ].join('\n');
    const read = readGradingOutput(output, 'n1');
    expect(read.changedTests).toEqual(['test/a.test.js']);
    expect(read.setupExit).toBe(1);
    // Another nonce's lines are not the script's.
    expect(readGradingOutput(output, 'other').setupExit).toBeNull();
  });
});
