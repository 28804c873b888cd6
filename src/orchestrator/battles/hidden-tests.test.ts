/**
 * Hidden tests on real repositories: stored from a directory or a ref as a commit of their
 * own, laid over a contestant's tip in a grading commit, and put back by the grading
 * script after the protected tests are restored, without being counted as the
 * contestant's changes, even where a hidden file replaces a test the base has.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../../../test/helpers/git-repo.js';
import { defaultTestPathspecs, makeGradingScript, readGradingOutput } from './grading-script.js';
import { makeGradingCommit, storeHiddenTests } from './hidden-tests.js';

async function battleRepo() {
  const repo = await makeRepo({
    'src/a.js': 'bug\n',
    'test/a.test.js': 'the visible test\n',
  });
  const base = repo.git('rev-parse', 'HEAD').trim();
  repo.git('checkout', '-qb', 'corral/contestant');
  await repo.write('src/a.js', 'fixed\n');
  await repo.write('test/a.test.js', 'a visible test made to pass\n');
  repo.git('commit', '-qam', 'contestant');
  repo.git('checkout', '-q', 'main');
  return { repo, base };
}

async function hiddenDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-hidden-'));
  await mkdir(join(dir, 'test'), { recursive: true });
  await writeFile(join(dir, 'test', 'hidden.test.js'), 'the hidden test\n');
  await writeFile(join(dir, 'test', 'a.test.js'), 'the visible test, upgraded\n');
  return dir;
}

describe('hidden tests', () => {
  it('are stored from a directory, laid over the tip, put back after the restore, not counted', async () => {
    const { repo, base } = await battleRepo();
    const hidden = await storeHiddenTests(repo.dir, 'battle-hid01', await hiddenDir());
    expect(hidden.paths.sort()).toEqual(['test/a.test.js', 'test/hidden.test.js']);
    expect(repo.git('rev-parse', 'refs/corral/hidden/battle-hid01').trim()).toBe(hidden.commit);
    // Nothing of them in the branches a contestant starts from.
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('hidden.test.js');

    const graded = await makeGradingCommit(repo.dir, 'corral/contestant', hidden);
    expect(repo.git('rev-parse', `${graded}^`).trim()).toBe(
      repo.git('rev-parse', 'corral/contestant').trim(),
    );
    repo.git('checkout', '-q', '--detach', graded);
    const script = makeGradingScript({
      baseTip: base,
      tests: defaultTestPathspecs,
      hiddenPaths: hidden.paths,
      setup: null,
      test: 'cat src/a.js test/a.test.js test/hidden.test.js',
    });
    const r = spawnSync(script.command[0]!, script.command.slice(1), {
      cwd: repo.dir,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const read = readGradingOutput(r.stdout, script.nonce);
    // The contestant's own edit of the visible test is counted; the hidden files are not.
    expect(read.changedTests).toEqual(['test/a.test.js']);
    // Its fix, the hidden version of the test (not the base's, not the contestant's), the hidden test.
    expect(read.testOutput).toMatch(/^fixed\nthe visible test, upgraded\nthe hidden test\n/);
  });

  it('are stored from a ref (ref:path), and a source with no file is refused', async () => {
    const { repo } = await battleRepo();
    repo.git('checkout', '-q', '--orphan', 'hidden');
    repo.git('rm', '-rqf', '.');
    await repo.write('spec/h.test.js', 'hidden\n');
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'hidden');
    repo.git('checkout', '-q', 'main');
    const stored = await storeHiddenTests(repo.dir, 'battle-hid02', 'hidden:spec');
    expect(stored.paths).toEqual(['h.test.js']);
    await expect(storeHiddenTests(repo.dir, 'battle-hid03', 'no-such-ref')).rejects.toThrow(
      /neither a directory nor a ref/,
    );
    const empty = await mkdtemp(join(tmpdir(), 'corral-hidden-empty-'));
    await expect(storeHiddenTests(repo.dir, 'battle-hid04', empty)).rejects.toThrow(
      /holds no file/,
    );
  });
});
