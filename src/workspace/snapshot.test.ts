/**
 * Snapshots asked for together are shared, on real repositories: many asks at once cost
 * one or two snapshots, and an ask never gets a snapshot that began before it (a change
 * made meanwhile is always in the asker's base).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { makeRepo } from '../../test/helpers/git-repo.js';
import { putGitOnPath } from '../../test/helpers/git-on-path.js';
import { snapshotBase } from './snapshot.js';
import { loadSourceRepo } from './source-repo.js';

it('many asks at once share a snapshot: all get the same base, git reads the tree at most twice', async () => {
  const repo = await makeRepo({ 'a.txt': 'a\n' });
  await repo.write('a.txt', 'dirty\n');
  const wrapper = await putGitOnPath(
    (dir) => `case " $* " in *" add -A "*) echo add >> '${dir}/adds';; esac\nexec "$REAL_GIT" "$@"`,
  );
  let bases;
  try {
    bases = await Promise.all(
      Array.from({ length: 10 }, async () => snapshotBase(await loadSourceRepo(repo.dir), {})),
    );
  } finally {
    wrapper.restore();
  }
  const adds = (await readFile(join(wrapper.dir, 'adds'), 'utf8')).split('\n').filter(Boolean);
  expect(adds.length).toBeGreaterThanOrEqual(1);
  expect(adds.length).toBeLessThanOrEqual(2);
  // (Two snapshots of one tree made in the same second are the same commit.)
  expect(new Set(bases.map((b) => b.snapshot)).size).toBeLessThanOrEqual(adds.length);
  for (const b of bases) expect(repo.show(b.snapshot!, 'a.txt')).toBe('dirty\n');
});

it('an ask made while a snapshot is under way gets a later one, with the change made meanwhile', async () => {
  const repo = await makeRepo({ 'a.txt': 'a\n' });
  await repo.write('a.txt', 'first\n');
  // The first snapshot reads the tree, says so, and takes half a second more to end.
  const wrapper = await putGitOnPath(
    (dir) =>
      `"$REAL_GIT" "$@"; rc=$?\ncase " $* " in *" add -A "*) [ -e '${dir}/read' ] || { touch '${dir}/read'; sleep 0.5; };; esac\nexit $rc`,
  );
  try {
    const first = snapshotBase(await loadSourceRepo(repo.dir), {});
    const read = join(wrapper.dir, 'read');
    for (let i = 0; i < 200 && !existsSync(read); i++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(read)).toBe(true);
    writeFileSync(join(repo.dir, 'a.txt'), 'second\n');
    const second = snapshotBase(await loadSourceRepo(repo.dir), {});
    const [a, b] = await Promise.all([first, second]);
    expect(repo.show(a.snapshot!, 'a.txt')).toBe('first\n');
    expect(repo.show(b.snapshot!, 'a.txt')).toBe('second\n');
  } finally {
    wrapper.restore();
  }
});
