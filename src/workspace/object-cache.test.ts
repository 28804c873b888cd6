/**
 * The object cache on real repositories: a source of many loose objects is fetched into it
 * once, workspaces are copied from it (their own files, nothing borrowed), a new base is
 * fetched incrementally, many instances at once fetch once, a repack never runs under a
 * clone reading the cache, and a broken cache costs nothing but the attempt.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { makeLooseRepo } from '../../test/helpers/git-repo.js';
import { putGitOnPath } from '../../test/helpers/git-on-path.js';
import { readBaseFromCache } from './object-cache.js';
import { pinBase, provisionWorkspace } from './provision.js';
import { getBaseRef, getBaseTip, snapshotBase } from './snapshot.js';
import { loadSourceRepo } from './source-repo.js';

let made = 0;
async function provision(repoDir: string, cache: string) {
  const repo = await loadSourceRepo(repoDir);
  const base = await snapshotBase(repo, {});
  const workspaceDir = join(await mkdtemp(join(tmpdir(), 'corral-ws-')), 'workspace');
  const id = `shell-cache${made++}`;
  await provisionWorkspace({
    sourceRoot: repo.root,
    id,
    base,
    branch: `corral/${id}`,
    workspaceDir,
    objectCache: cache,
  });
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', workspaceDir, ...args], { encoding: 'utf8' });
  return { base, workspaceDir, git };
}

const cacheDir = async () => join(await mkdtemp(join(tmpdir(), 'corral-cache-')), 'repo.git');
const packs = async (cache: string) =>
  (await readdir(join(cache, 'objects', 'pack'))).filter((n) => n.endsWith('.pack'));
const packedCount = (cache: string, pack: string) =>
  execFileSync('git', ['-C', cache, 'verify-pack', '-v', join(cache, 'objects', 'pack', pack)], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => /^[0-9a-f]{40} /.test(l)).length;

it('clones a source of many loose objects from its cache: own files, base checked out', async () => {
  const repo = await makeLooseRepo();
  const cache = await cacheDir();
  const { base, workspaceDir, git } = await provision(repo.dir, cache);
  expect(await packs(cache)).toHaveLength(1);
  expect(await readFile(join(workspaceDir, 'src', 'f299.txt'), 'utf8')).toBe('file 299\n');
  expect(git('rev-parse', 'HEAD').trim()).toBe(getBaseTip(base));
  expect(git('symbolic-ref', 'HEAD').trim()).toBe('refs/heads/corral/shell-cache0');
  expect(git('rev-parse', 'refs/corral/base').trim()).toBe(getBaseTip(base));
  expect(git('remote').trim()).toBe('');
  expect(git('status', '--porcelain')).toBe('');
  // Copied, not linked: control first, a --local clone of the cache shares its pack.
  const linked = join(await mkdtemp(join(tmpdir(), 'corral-linked-')), 'w');
  execFileSync('git', ['clone', '-q', '--local', cache, linked], { stdio: 'ignore' });
  const shared = (dir: string) =>
    execFileSync('sh', ['-c', `find "${dir}/.git/objects" -type f -links +1 | wc -l`], {
      encoding: 'utf8',
    }).trim();
  expect(shared(linked)).not.toBe('0');
  expect(shared(workspaceDir)).toBe('0');
  // Nothing borrowed: with the source and the cache gone, every object is still there.
  execFileSync('rm', ['-rf', repo.dir, cache, linked]);
  expect(() => git('fsck', '--full', '--no-dangling')).not.toThrow();
});

it('fetches a new base into the cache incrementally: a new pack of the new objects only', async () => {
  const repo = await makeLooseRepo();
  const cache = await cacheDir();
  await provision(repo.dir, cache);
  const [first] = await packs(cache);
  expect(packedCount(cache, first!)).toBeGreaterThan(300);
  // A commit, then an uncommitted change: the snapshot of the tree is the new base.
  await repo.write('src/f0.txt', 'changed\n');
  repo.git('commit', '-qam', 'second');
  await repo.write('dirty.txt', 'not committed\n');
  const second = await provision(repo.dir, cache);
  const now = await packs(cache);
  expect(now).toHaveLength(2);
  const added = now.find((p) => p !== first)!;
  // Commit, trees (root, src), blob, snapshot commit, its root tree and blob: a handful.
  expect(packedCount(cache, added)).toBeLessThan(10);
  expect(await readFile(join(second.workspaceDir, 'src', 'f0.txt'), 'utf8')).toBe('changed\n');
  expect(await readFile(join(second.workspaceDir, 'dirty.txt'), 'utf8')).toBe('not committed\n');
  expect(second.git('log', '--format=%s').trim().split('\n')).toEqual([
    'corral: snapshot of uncommitted changes',
    'second',
    'initial',
  ]);
});

it('many instances made at once fetch into a new cache once', async () => {
  const repo = await makeLooseRepo();
  const cache = await cacheDir();
  const base = await snapshotBase(await loadSourceRepo(repo.dir), {});
  const ids = Array.from({ length: 8 }, (_, i) => `shell-once${i}`);
  for (const id of ids) await pinBase(repo.dir, id, base);
  // Each read must succeed on its own (no fallback here to hide a failed fetch), and the
  // source is asked once: a `git` first on PATH notes each fetch.
  const wrapper = await putGitOnPath(
    (dir) =>
      `case " $* " in *" fetch "*) echo fetch >> '${dir}/fetches';; esac\nexec "$REAL_GIT" "$@"`,
  );
  try {
    const reads = await Promise.all(
      ids.map((id) => readBaseFromCache(cache, repo.dir, getBaseRef(id), getBaseTip(base))),
    );
    for (const read of reads) read.release();
  } finally {
    wrapper.restore();
  }
  const fetches = await readFile(join(wrapper.dir, 'fetches'), 'utf8');
  expect(fetches.split('\n').filter(Boolean)).toHaveLength(1);
  expect(await packs(cache)).toHaveLength(1);
  const made = await Promise.all(Array.from({ length: 4 }, () => provision(repo.dir, cache)));
  expect(await packs(cache)).toHaveLength(1);
  for (const { workspaceDir, git } of made) {
    expect(await readFile(join(workspaceDir, 'src', 'f7.txt'), 'utf8')).toBe('file 7\n');
    expect(git('status', '--porcelain')).toBe('');
  }
});

it('repacks a cache of many packs, never while a clone reads it', async () => {
  const repo = await makeLooseRepo();
  const cache = await cacheDir();
  const nextBase = async (n: number) => {
    await repo.write('n.txt', `${n}\n`);
    repo.git('add', 'n.txt');
    repo.git('commit', '-qm', `commit ${n}`);
    const base = await snapshotBase(await loadSourceRepo(repo.dir), {});
    await pinBase(repo.dir, `shell-r${n}`, base);
    return { ref: getBaseRef(`shell-r${n}`), tip: getBaseTip(base) };
  };
  const first = await nextBase(0);
  const reading = await readBaseFromCache(cache, repo.dir, first.ref, first.tip);
  for (let n = 1; n <= 17; n++) {
    const { ref, tip } = await nextBase(n);
    (await readBaseFromCache(cache, repo.dir, ref, tip)).release();
  }
  // One pack per fetch: past the limit (16), but a read is still going on.
  expect(await packs(cache)).toHaveLength(18);
  reading.release();
  const last = await nextBase(18);
  (await readBaseFromCache(cache, repo.dir, last.ref, last.tip)).release();
  expect(await packs(cache)).toHaveLength(1);
  const show = execFileSync('git', ['-C', cache, 'show', `${last.tip}:n.txt`], {
    encoding: 'utf8',
  });
  expect(show).toBe('18\n');
});

it('clones from the source when the cache is broken, and the cache is made anew after', async () => {
  const repo = await makeLooseRepo();
  const cache = await cacheDir();
  // A directory that is not a repository where the cache should be.
  await mkdir(cache, { recursive: true });
  await writeFile(join(cache, 'HEAD'), 'garbage\n');
  const { base, workspaceDir, git } = await provision(repo.dir, cache);
  expect(await readFile(join(workspaceDir, 'src', 'f1.txt'), 'utf8')).toBe('file 1\n');
  expect(git('rev-parse', 'HEAD').trim()).toBe(getBaseTip(base));
  expect(git('rev-parse', 'refs/corral/base').trim()).toBe(getBaseTip(base));
  expect(git('remote').trim()).toBe('');
  expect(git('status', '--porcelain')).toBe('');
  // The broken cache was removed: the next instance makes it anew and is copied from it.
  await provision(repo.dir, cache);
  expect(await packs(cache)).toHaveLength(1);
});
