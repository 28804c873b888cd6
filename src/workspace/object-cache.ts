/**
 * A cache of one source repository's objects, kept packed, that workspaces are cloned
 * from: `$CORRAL_HOME/cache/objects/<key>.git`, a bare repository that fetches each new
 * base from the source once (incrementally: only what it lacks) into a pack. A source with
 * many loose objects (a young repository, one that never ran gc) was otherwise packed anew
 * for every instance; twenty at once spent about 12 s of CPU in pack-objects. A clone
 * from the cache copies a few pack files (never hardlinks: see provision.ts).
 *
 * It is only a cache: provision.ts falls back to cloning from the source when anything
 * here fails, and deleting it loses nothing. In this process a cache's fetches and
 * repacks take turns, and a repack waits until no clone is reading it; a clone in another
 * process (an inline engine) that meets a repack fails and falls back.
 */
import { constants } from 'node:fs';
import { access, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git, uploadPackWithoutDeltaSearch } from './git.js';

/** The cache's one ref: the last base it fetched, what it tells the source it has. */
const latestRef = 'refs/corral/latest';

/** A file in the cache naming its source repository, for `corral gc`. */
const sourceFile = 'corral-source';

/** Past this many packs (one per fetch), the next fetch that finds no reader repacks. */
const maxPacks = 16;

/** Each cache's fetches and repacks, one at a time. */
const turns = new Map<string, Promise<unknown>>();
/** How many clones are copying each cache now. */
const readers = new Map<string, number>();
/** Commits this process knows each cache holds (no git asked again); a repack resets it. */
const held = new Map<string, Set<string>>();

/** A read of the cache that has begun; `release` once the clone from it is over. */
export interface CacheRead {
  release(): void;
}

/**
 * Makes sure the cache at `cacheDir` holds `tip` (reached by `baseRef` in `sourceRoot`) and
 * its whole history, and counts the caller as reading it until it releases.
 */
export async function readBaseFromCache(
  cacheDir: string,
  sourceRoot: string,
  baseRef: string,
  tip: string,
): Promise<CacheRead> {
  const previous = turns.get(cacheDir) ?? Promise.resolve();
  const turn = previous
    .catch(() => undefined)
    .then(async () => {
      await fill(cacheDir, sourceRoot, baseRef, tip);
      // Counted inside the turn: a repack in the next turn sees this reader.
      readers.set(cacheDir, (readers.get(cacheDir) ?? 0) + 1);
    });
  turns.set(cacheDir, turn);
  try {
    await turn;
  } finally {
    if (turns.get(cacheDir) === turn) turns.delete(cacheDir);
  }
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      const left = (readers.get(cacheDir) ?? 1) - 1;
      if (left > 0) readers.set(cacheDir, left);
      else readers.delete(cacheDir);
    },
  };
}

async function fill(cacheDir: string, sourceRoot: string, baseRef: string, tip: string) {
  const exists = await stat(cacheDir).then(
    () => true,
    () => false,
  );
  if (exists && held.get(cacheDir)?.has(tip)) return;
  if (exists && (await holdsCommit(cacheDir, tip))) return remember(cacheDir, tip);
  if (!exists) {
    held.delete(cacheDir);
    await mkdir(dirname(cacheDir), { recursive: true });
    await git(dirname(cacheDir), ['init', '--quiet', '--bare', '--', cacheDir]);
    await writeFile(join(cacheDir, sourceFile), sourceRoot);
  }
  await fetchBase(cacheDir, sourceRoot, baseRef).catch(async (error: unknown) => {
    // A cache that cannot fetch (damaged, or not a repository) is made anew next time.
    if ((readers.get(cacheDir) ?? 0) === 0) {
      held.delete(cacheDir);
      await rm(cacheDir, { recursive: true, force: true });
    }
    throw error;
  });
  if ((readers.get(cacheDir) ?? 0) === 0 && (await countPacks(cacheDir)) > maxPacks) {
    // One pack of what the latest base reaches; older bases' objects go (fetched again if
    // they are asked for).
    await git(cacheDir, ['-c', 'pack.window=0', 'repack', '-a', '-d', '--quiet']);
    held.delete(cacheDir);
  }
  remember(cacheDir, tip);
}

async function fetchBase(cacheDir: string, sourceRoot: string, baseRef: string): Promise<void> {
  await git(cacheDir, [
    // Every fetch is kept as a pack (never exploded into loose objects) and nothing runs
    // gc behind the cache's back (a repack here is decided below).
    '-c',
    'fetch.unpackLimit=1',
    '-c',
    'gc.auto=0',
    '-c',
    'maintenance.auto=false',
    'fetch',
    '--quiet',
    '--no-tags',
    '--no-write-fetch-head',
    '--upload-pack',
    uploadPackWithoutDeltaSearch,
    '--',
    sourceRoot,
    `+${baseRef}:${latestRef}`,
  ]);
}

function remember(cacheDir: string, commit: string): void {
  const commits = held.get(cacheDir) ?? new Set<string>();
  commits.add(commit);
  held.set(cacheDir, commits);
}

/** Forgets what this process knew of a cache that failed a clone (someone changed it). */
export function forgetCache(cacheDir: string): void {
  held.delete(cacheDir);
}

/**
 * Copies the cache's packs into the repository whose git dir is `gitDir` (copies: a
 * reflink where the filesystem makes one, never a hardlink).
 */
export async function copyPacks(cacheDir: string, gitDir: string): Promise<void> {
  const from = join(cacheDir, 'objects', 'pack');
  const to = join(gitDir, 'objects', 'pack');
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) {
    if (!/^pack-[0-9a-f]+\.(pack|idx|rev)$/.test(name)) continue;
    await copyFile(join(from, name), join(to, name), constants.COPYFILE_FICLONE);
  }
}

async function holdsCommit(cacheDir: string, commit: string): Promise<boolean> {
  const result = await git(cacheDir, ['cat-file', '-e', `${commit}^{commit}`], {
    allowFailure: true,
  });
  return result.exitCode === 0;
}

async function countPacks(cacheDir: string): Promise<number> {
  const names = await readdir(`${cacheDir}/objects/pack`).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.pack')).length;
}

/**
 * The caches in `cachesDir` whose source repository is gone (or that name none): nothing
 * can be made from them again (`corral gc` removes them).
 */
export async function listOrphanedCaches(
  cachesDir: string,
): Promise<{ dir: string; source: string | null }[]> {
  const orphaned: { dir: string; source: string | null }[] = [];
  for (const name of await readdir(cachesDir).catch(() => [] as string[])) {
    const dir = join(cachesDir, name);
    const source = await readFile(join(dir, sourceFile), 'utf8').catch(() => null);
    const present =
      source !== null &&
      (await access(join(source, '.git')).then(
        () => true,
        () => false,
      ));
    if (!present) orphaned.push({ dir, source });
  }
  return orphaned;
}
