/**
 * Build contexts of corral's images: listing their files, hashing their content into a
 * tag, and building from a temporary copy that also holds the extra CA certificates. The
 * certificates live only in the copy, so they never change a tag (see ca-certs.ts).
 */
import type { Hash } from 'node:crypto';
import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { writeCaCerts } from './ca-certs.js';

function toRelativePaths(dir: string, entries: Dirent[]): string[] {
  return entries
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** Every file (and symlink) under `dir`, as relative paths with `/` separators, sorted. */
export function listContextFilesSync(dir: string): string[] {
  return toRelativePaths(dir, readdirSync(dir, { recursive: true, withFileTypes: true }));
}

/** listContextFilesSync without blocking, for contexts as big as a repository. */
export async function listContextFiles(dir: string): Promise<string[]> {
  return toRelativePaths(dir, await readdir(dir, { recursive: true, withFileTypes: true }));
}

/**
 * Feeds each file's path and content, in path order, into `hash`. Lengths delimit the
 * fields, so moving bytes between a name and a body changes the hash.
 */
export function hashContext(hash: Hash, dir: string): void {
  for (const file of listContextFilesSync(dir)) {
    const content = readFileSync(join(dir, file));
    hash.update(`${file.length}:${file}:${content.length}:`);
    hash.update(content);
  }
}

/**
 * Runs `build` on a temporary copy of `sourceDir` whose `certs/` holds every certificate of
 * `caCertFiles`, and removes the copy afterwards.
 */
export async function withTemporaryContext<T>(
  sourceDir: string,
  caCertFiles: readonly string[],
  build: (context: string) => Promise<T>,
): Promise<T> {
  const context = await mkdtemp(join(tmpdir(), 'corral-image-'));
  try {
    await cp(sourceDir, context, { recursive: true });
    await mkdir(join(context, 'certs'), { recursive: true });
    await writeCaCerts(join(context, 'certs'), caCertFiles);
    return await build(context);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
