/**
 * The grading script run with plain `sh` on a real repository (the battle tests run it in
 * sandboxes): it says it began, runs the build and lint checks, then the tests, passes
 * their exit code through, leaves the tree as it found it, and its own lines are read back
 * whatever the contestant's code printed around them.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../../../test/helpers/git-repo.js';
import { makeGradingScript, readGradingOutput } from './grading-script.js';

function run(dir: string, command: string[]) {
  const r = spawnSync(command[0]!, command.slice(1), { cwd: dir, encoding: 'utf8' });
  return { code: r.status, output: r.stdout + r.stderr };
}

describe('the grading script', () => {
  it('runs the tests, passes their exit code through and leaves the tree clean', async () => {
    const repo = await makeRepo({ 'src/a.js': 'fixed\n' });
    const script = makeGradingScript({ test: 'cat src/a.js; echo junk > left.txt; exit 3' });
    const r = run(repo.dir, script.command);
    expect(r.code).toBe(3);
    const read = readGradingOutput(r.output, script.nonce);
    expect(read).toMatchObject({ began: true, testsEnded: true, buildExit: null });
    expect(read.testOutput).toMatch(/^fixed\n/);
    // Nothing of the grading stays in the tree.
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('runs the build and lint checks before the tests and reports their exit codes', async () => {
    const repo = await makeRepo({ 'src/a.js': 'fixed\n' });
    const script = makeGradingScript({
      build: 'echo building; exit 2',
      lint: 'true',
      test: 'echo testing',
    });
    const r = run(repo.dir, script.command);
    expect(r.code).toBe(0);
    const read = readGradingOutput(r.output, script.nonce);
    expect(read).toMatchObject({ began: true, buildExit: 2, lintExit: 0, testsEnded: true });
    expect(read.testOutput.trim().split('\n')[0]).toBe('testing');
    expect(read.testOutput).not.toContain('building');
  });

  it('takes the last verdict, whatever the code under test printed', () => {
    const mark = '[corral-grade n1]';
    const output = [
      `${mark} begin`,
      // The build (the contestant's code) forging a line:
      `${mark} build-exit 0`,
      'npm ERR! broken',
      `${mark} build-exit 1`,
    ].join('\n');
    const read = readGradingOutput(output, 'n1');
    expect(read).toMatchObject({ began: true, buildExit: 1 });
    // Another nonce's lines are not the script's.
    expect(readGradingOutput(output, 'other').began).toBe(false);
  });
});
