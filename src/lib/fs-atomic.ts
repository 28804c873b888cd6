/**
 * Atomic file writes (write to a temp file beside the target, fsync, rename) so a reader
 * never sees half a metadata file, even if corral is killed mid-write. A file written this
 * way is never changed in place, so the stats of the temp file as written (inode, size,
 * mtime; a rename keeps them) identify exactly this version of it: see fileStamp.
 */
import type { BigIntStats } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `data` to `path` atomically; returns the stats of the file as written. */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<BigIntStats> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w', 0o644);
  let stats: BigIntStats;
  try {
    await handle.writeFile(data);
    await handle.sync();
    stats = await handle.stat({ bigint: true });
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return stats;
}

/**
 * A short string naming one version of a file that is only ever replaced whole (by
 * writeFileAtomic): inode, size and modification time to the nanosecond. Two versions
 * written within one clock tick still differ by inode, since each is a new file.
 */
export function fileStamp(stats: BigIntStats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeNs}`;
}
