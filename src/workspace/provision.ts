/**
 * Provisions an instance's workspace: a self-contained clone of the source repository
 * in the state dir (a `git worktree` would carry an absolute host path that breaks inside
 * a container), on branch `corral/<id>` at the base, plus the ignored files that
 * `.corralinclude` names (`.env` and the like).
 *
 * Objects are copied, not hardlinked: a hardlinked object file is the same inode as the
 * source repository's, and an agent running as its owner could rewrite it.
 * On any failure the half-made workspace is removed, so nothing half-made is left behind.
 */
import { copyFile, lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Base } from '../state/index.js';
import { git, uploadPackWithoutDeltaSearch } from './git.js';
import { copyPacks, forgetCache, readBaseFromCache } from './object-cache.js';
import { getBaseRef, getBaseTip } from './snapshot.js';

export interface ProvisionRequest {
  sourceRoot: string;
  id: string;
  base: Base;
  branch: string;
  workspaceDir: string;
  /**
   * The workspace gets the base and its ancestry only: no other branch, tag or ref of the
   * source repository, and none of their objects (a battle's contestants: an agent can read
   * `git log --all` and `git cat-file --batch-all-objects`, so another contestant's work
   * must not be in its repository at all). Slower on a big history: a new pack is made.
   */
  baseHistoryOnly?: boolean;
  /**
   * The source repository's object cache (object-cache.ts), used when the source has many
   * loose objects; none: always clone from the source.
   */
  objectCache?: string;
}

/** Provisions the workspace: the base pinned, then the clone (tests and simple callers). */
export async function provisionWorkspace(
  request: ProvisionRequest,
): Promise<{ included: string[] }> {
  await pinBase(request.sourceRoot, request.id, request.base);
  return cloneWorkspace(request);
}

/**
 * Pins the base in the source repository (`refs/corral/bases/<id>`): the ref keeps a
 * snapshot commit alive and makes it clonable. Done under the repository's lock, with the
 * snapshot; the clone that follows only reads and needs no lock.
 */
export async function pinBase(sourceRoot: string, id: string, base: Base): Promise<void> {
  await git(sourceRoot, ['update-ref', getBaseRef(id), getBaseTip(base)]);
}

/** Clones the pinned base into the workspace; on failure removes it and the pin. */
export async function cloneWorkspace(request: ProvisionRequest): Promise<{ included: string[] }> {
  const { sourceRoot, id, base, branch, workspaceDir } = request;
  const tip = getBaseTip(base);
  try {
    if (request.baseHistoryOnly) {
      await fetchBaseOnly(sourceRoot, id, workspaceDir);
      await checkOut(workspaceDir, branch, tip);
    } else {
      await cloneEverything(request);
    }
    const included = await copyIncludedFiles(sourceRoot, workspaceDir);
    return { included };
  } catch (error) {
    await rm(workspaceDir, { recursive: true, force: true });
    await git(sourceRoot, ['update-ref', '-d', getBaseRef(id)], { allowFailure: true });
    throw error;
  }
}

/**
 * A clone of the whole repository, objects copied (never hardlinked): from the source when
 * it is mostly packed; from its object cache when it is not (packing it anew for each
 * instance is what the cache saves), or packed anew when there is no cache or it fails.
 */
async function cloneEverything(request: ProvisionRequest): Promise<void> {
  const { sourceRoot, id, base, branch, workspaceDir, objectCache } = request;
  const mode = await chooseCloneMode(sourceRoot);
  if (mode === '--no-local' && objectCache) {
    const cloned = await cloneFromCache(request, objectCache).then(
      () => true,
      () => false,
    );
    if (cloned) return;
    // The directory stays (a sandbox may be starting over it); what the attempt left goes.
    await emptyDirectory(workspaceDir);
  }
  await git(sourceRoot, [
    'clone',
    '--quiet',
    // The pinned base comes with the clone's own fetch (no second one).
    '--config',
    `remote.origin.fetch=+${getBaseRef(id)}:refs/corral/base`,
    mode,
    ...(mode === '--no-local' ? ['--upload-pack', uploadPackWithoutDeltaSearch] : []),
    '--no-checkout',
    '--',
    sourceRoot,
    workspaceDir,
  ]);
  await git(workspaceDir, ['remote', 'remove', 'origin']);
  await checkOut(workspaceDir, branch, getBaseTip(base));
}

/**
 * Files written by parallel workers (one per core): writing them is most of a large
 * checkout's time, nearly all of it in the kernel.
 */
async function checkOut(workspaceDir: string, branch: string, tip: string): Promise<void> {
  await git(workspaceDir, ['-c', 'checkout.workers=0', 'checkout', '--quiet', '-b', branch, tip]);
}

/**
 * A new repository that fetches the pinned base alone: upload-pack sends only the objects
 * it reaches, and no remote is left behind (nothing names the source repository).
 */
async function fetchBaseOnly(sourceRoot: string, id: string, workspaceDir: string): Promise<void> {
  await git(sourceRoot, ['init', '--quiet', '--', workspaceDir]);
  await git(workspaceDir, [
    'fetch',
    '--quiet',
    '--no-tags',
    '--upload-pack',
    uploadPackWithoutDeltaSearch,
    '--',
    sourceRoot,
    `+${getBaseRef(id)}:refs/corral/base`,
  ]);
}

/**
 * A new repository with the cache's packs, once the cache holds the base, and the base
 * checked out (a cache that a repack in another process changed meanwhile fails here).
 */
async function cloneFromCache(request: ProvisionRequest, cacheDir: string): Promise<void> {
  const { sourceRoot, id, base, branch, workspaceDir } = request;
  const tip = getBaseTip(base);
  const read = await readBaseFromCache(cacheDir, sourceRoot, getBaseRef(id), tip);
  try {
    await git(sourceRoot, ['init', '--quiet', '--', workspaceDir]);
    await copyPacks(cacheDir, join(workspaceDir, '.git'));
  } finally {
    read.release();
  }
  // The ref a clone would make (a loose ref is a file holding the commit).
  await mkdir(join(workspaceDir, '.git', 'refs', 'corral'), { recursive: true });
  await writeFile(join(workspaceDir, '.git', 'refs', 'corral', 'base'), `${tip}\n`);
  try {
    await checkOut(workspaceDir, branch, tip);
  } catch (error) {
    forgetCache(cacheDir);
    throw error;
  }
}

async function emptyDirectory(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[]))
    await rm(join(dir, name), { recursive: true, force: true });
}

/**
 * Objects are never hardlinked (see the top of the file). A repository that is mostly
 * packed is fastest to copy file by file (`--no-hardlinks`); one with many loose objects
 * (a young repository, one that never ran gc) is far faster to transfer as one new pack
 * (`--no-local`) than as thousands of small files.
 */
async function chooseCloneMode(sourceRoot: string): Promise<'--no-hardlinks' | '--no-local'> {
  const counts = await git(sourceRoot, ['count-objects', '-v'], { allowFailure: true });
  const loose = Number(/^count: (\d+)$/m.exec(counts.stdout)?.[1] ?? 0);
  return loose > looseObjectThreshold ? '--no-local' : '--no-hardlinks';
}

const looseObjectThreshold = 256;

/**
 * Copies the untracked, ignored files matched by `.corralinclude` (gitignore syntax) from
 * the source working tree. Only regular files: a symlink could point anywhere.
 */
async function copyIncludedFiles(sourceRoot: string, workspaceDir: string): Promise<string[]> {
  const listFile = join(sourceRoot, '.corralinclude');
  const exists = await lstat(listFile).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) return [];
  const listed = await git(sourceRoot, [
    'ls-files',
    '-z',
    '--others',
    '--ignored',
    `--exclude-from=${listFile}`,
  ]);
  const copied: string[] = [];
  for (const path of listed.stdout.split('\0').filter(Boolean)) {
    const from = join(sourceRoot, path);
    const info = await lstat(from).catch(() => undefined);
    if (!info?.isFile()) continue;
    const to = join(workspaceDir, path);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(from, to);
    copied.push(path);
  }
  return copied;
}
