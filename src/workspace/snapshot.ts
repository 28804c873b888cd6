/**
 * Snapshots the base an instance starts from: HEAD, plus (unless a clean `--from` ref is
 * asked for) one commit on top of it holding the developer's uncommitted tracked changes
 * and untracked, non-ignored files. It is built with a temporary index, so the
 * developer's own index and working tree are never touched. The snapshot commit is kept
 * alive by a ref under `refs/corral/bases/<id>` in the source repository.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Base } from '../state/index.js';
import { git } from './git.js';
import { resolveCommit, type SourceRepo } from './source-repo.js';

export function getBaseRef(id: string): string {
  return `refs/corral/bases/${id}`;
}

/** The commit the instance's branch starts at: the snapshot when there is one. */
export function getBaseTip(base: Base): string {
  return base.snapshot ?? base.commit;
}

export async function snapshotBase(repo: SourceRepo, options: { from?: string }): Promise<Base> {
  if (options.from !== undefined) {
    return {
      commit: await resolveCommit(repo.root, options.from),
      snapshot: null,
      ref: options.from,
    };
  }
  return shareSnapshot(repo);
}

/**
 * Snapshots asked for together share one: instances made at once from one repository and
 * HEAD (a battle's contestants, `run -d` in a loop) each cost three git processes
 * otherwise. A snapshot answers only the asks that came before it began (one under way
 * may have read the tree before a change the asker made): those that come meanwhile share
 * the next.
 */
function shareSnapshot(repo: SourceRepo): Promise<Base> {
  const key = `${repo.gitDir}\0${repo.head}`;
  const snapshots = sharedSnapshots.get(key) ?? { running: null, next: null };
  sharedSnapshots.set(key, snapshots);
  if (snapshots.next) return snapshots.next;
  const start = (): Promise<Base> => {
    const running = takeSnapshot(repo).finally(() => {
      if (snapshots.running === running) snapshots.running = null;
      if (!snapshots.running && !snapshots.next) sharedSnapshots.delete(key);
    });
    snapshots.running = running;
    return running;
  };
  if (!snapshots.running) return start();
  const next = snapshots.running
    .catch(() => undefined)
    .then(() => {
      snapshots.next = null;
      return start();
    });
  snapshots.next = next;
  return next;
}

interface SharedSnapshots {
  /** The snapshot under way: it began before anyone who asks now. */
  running: Promise<Base> | null;
  /** The one that begins when it ends, shared by everyone who asked meanwhile. */
  next: Promise<Base> | null;
}

const sharedSnapshots = new Map<string, SharedSnapshots>();

async function takeSnapshot(repo: SourceRepo): Promise<Base> {
  const tmp = await mkdtemp(join(tmpdir(), 'corral-index-'));
  try {
    const index = join(tmp, 'index');
    // Starting from a copy of the real index keeps its stat cache, so `add -A` only hashes
    // files that really changed.
    await copyFile(join(repo.gitDir, 'index'), index).catch(() => undefined);
    const env = { GIT_INDEX_FILE: index };
    await git(repo.root, ['add', '-A', '--', '.'], { env });
    const tree = (await git(repo.root, ['write-tree'], { env })).stdout.trim();
    if (tree === repo.headTree) return { commit: repo.head, snapshot: null, ref: null };
    const snapshot = (
      await git(
        repo.root,
        ['commit-tree', tree, '-p', repo.head, '-m', 'corral: snapshot of uncommitted changes'],
        {
          env: {
            GIT_AUTHOR_NAME: 'corral',
            GIT_AUTHOR_EMAIL: 'corral@localhost',
            GIT_COMMITTER_NAME: 'corral',
            GIT_COMMITTER_EMAIL: 'corral@localhost',
          },
        },
      )
    ).stdout.trim();
    return { commit: repo.head, snapshot, ref: null };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
