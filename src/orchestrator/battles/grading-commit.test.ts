/**
 * The grading commit on real repositories: the protected tests a contestant edited are
 * reset and those it deleted come back, its new tests and its fix stay, the hidden tests
 * are laid over last, and the changed tests are listed host-side; a tip with nothing to
 * change is graded as it is.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../../../test/helpers/git-repo.js';
import { defaultTestPathspecs, findTestChanges, makeGradingCommit } from './grading-commit.js';
import { storeHiddenTests } from './hidden-tests.js';

async function contestantRepo() {
  const repo = await makeRepo({
    'src/a.js': 'a\n',
    'test/a.test.js': 'the real test\n',
    'test/b.test.js': 'another test\n',
    'lib/x.spec.ts': 'a spec\n',
  });
  const base = repo.git('rev-parse', 'HEAD').trim();
  repo.git('checkout', '-qb', 'corral/contestant');
  await repo.write('test/a.test.js', 'a test made to pass\n');
  repo.git('rm', '-q', 'test/b.test.js');
  await repo.write('src/a.js', 'fixed\n');
  await repo.write('test/new.test.js', 'a new test\n');
  repo.git('add', '-A');
  repo.git('commit', '-qm', 'contestant');
  repo.git('checkout', '-q', 'main');
  return { repo, base };
}

describe('the grading commit', () => {
  it('restores edited and deleted tests from the base, keeps new ones and the fix', async () => {
    const { repo, base } = await contestantRepo();
    const tip = 'corral/contestant';
    const tests = defaultTestPathspecs;
    expect((await findTestChanges(repo.dir, base, tip, tests)).sort()).toEqual([
      'test/a.test.js',
      'test/b.test.js',
    ]);
    const graded = await makeGradingCommit(repo.dir, { base, tip, tests, hidden: null });
    expect(repo.git('rev-parse', `${graded}^`).trim()).toBe(repo.git('rev-parse', tip).trim());
    const show = (path: string) => repo.git('show', `${graded}:${path}`);
    expect(show('test/a.test.js')).toBe('the real test\n');
    expect(show('test/b.test.js')).toBe('another test\n');
    expect(show('test/new.test.js')).toBe('a new test\n');
    expect(show('src/a.js')).toBe('fixed\n');
    expect(show('lib/x.spec.ts')).toBe('a spec\n');
    // The base, and a tip with no protected change, are graded as they are.
    expect(await makeGradingCommit(repo.dir, { base, tip: base, tests, hidden: null })).toBe(base);
    expect(await findTestChanges(repo.dir, base, tip, [])).toEqual([]);
  });

  it('lays the hidden tests over the restored ones, and does not count them', async () => {
    const { repo, base } = await contestantRepo();
    const dir = await mkdtemp(join(tmpdir(), 'corral-hidden-'));
    await mkdir(join(dir, 'test'), { recursive: true });
    await writeFile(join(dir, 'test', 'hidden.test.js'), 'the hidden test\n');
    await writeFile(join(dir, 'test', 'a.test.js'), 'the real test, upgraded\n');
    const hidden = await storeHiddenTests(repo.dir, 'battle-gc001', dir);
    const tip = 'corral/contestant';
    const graded = await makeGradingCommit(repo.dir, {
      base,
      tip,
      tests: defaultTestPathspecs,
      hidden,
    });
    const show = (path: string) => repo.git('show', `${graded}:${path}`);
    expect(show('test/a.test.js')).toBe('the real test, upgraded\n');
    expect(show('test/hidden.test.js')).toBe('the hidden test\n');
    expect(show('test/b.test.js')).toBe('another test\n');
    expect((await findTestChanges(repo.dir, base, tip, defaultTestPathspecs)).sort()).toEqual([
      'test/a.test.js',
      'test/b.test.js',
    ]);
  });
});
