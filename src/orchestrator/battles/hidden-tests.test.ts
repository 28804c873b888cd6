/**
 * Hidden tests on real repositories: stored from a directory or a ref as a commit of their
 * own, out of every branch a contestant starts from (laid over a tip when grading:
 * grading-commit.test.ts).
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../../../test/helpers/git-repo.js';
import { storeHiddenTests } from './hidden-tests.js';

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
  it('are stored from a directory, kept out of the branches a contestant starts from', async () => {
    const { repo } = await battleRepo();
    const hidden = await storeHiddenTests(repo.dir, 'battle-hid01', await hiddenDir());
    expect(hidden.paths.sort()).toEqual(['test/a.test.js', 'test/hidden.test.js']);
    expect(repo.git('rev-parse', 'refs/corral/hidden/battle-hid01').trim()).toBe(hidden.commit);
    // Nothing of them in the branches a contestant starts from.
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('hidden.test.js');
    // Laid over a tip in its grading commit: grading-commit.test.ts.
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
