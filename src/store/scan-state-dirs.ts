/**
 * Reads the state dirs (the truth) for the index: every readable record with the stamp of
 * the metadata.json it came from, and for each unreadable one why, in a line a person can
 * act on. Given the stamps the index already holds, it only stats the records that did not
 * change, which is what makes `ls` cheap with thousands of instances: a stat each instead
 * of a read, a JSON parse and a schema check each.
 */
import { stat } from 'node:fs/promises';
import { ZodError } from 'zod';
import { fileStamp } from '../lib/fs-atomic.js';
import { isCorralError } from '../lib/errors.js';
import {
  getInstancePaths,
  listInstanceIds,
  loadStampedMetadata,
  type StampedMetadata,
} from '../state/index.js';

export interface SkippedStateDir {
  id: string;
  dir: string;
  reason: string;
}

export interface StateDirScan {
  /** Records read (all of them, or those whose stamp differs from the one known). */
  read: StampedMetadata[];
  /** Ids whose metadata.json still has the known stamp: not read again. */
  unchanged: string[];
  skipped: SkippedStateDir[];
}

/** How many files are read at once: enough to keep libuv's threads busy, few enough for memory. */
const concurrency = 32;

export async function scanStateDirs(
  home: string,
  known: ReadonlyMap<string, string | null> = new Map(),
): Promise<StateDirScan> {
  const scan: StateDirScan = { read: [], unchanged: [], skipped: [] };
  const ids = await listInstanceIds(home);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const paths = getInstancePaths(home, id);
      try {
        const before = known.get(id);
        if (before) {
          const now = fileStamp(await stat(paths.metadata, { bigint: true }));
          if (now === before) {
            scan.unchanged.push(id);
            continue;
          }
        }
        scan.read.push(await loadStampedMetadata(paths.metadata));
      } catch (error) {
        scan.skipped.push({ id, dir: paths.dir, reason: describeUnreadable(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  scan.skipped.sort((a, b) => (a.id < b.id ? -1 : 1));
  return scan;
}

/** Why a state dir's record cannot be read, in one line. */
export function describeUnreadable(thrown: unknown): string {
  // A record that does not parse comes wrapped in the error that names its file.
  const cause = isCorralError(thrown) ? thrown.cause : undefined;
  const error = cause instanceof SyntaxError || cause instanceof ZodError ? cause : thrown;
  if (error instanceof SyntaxError) return `metadata.json is not valid JSON (${error.message})`;
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return `metadata.json does not match the schema (${where}${issue?.message ?? error.message})`;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (isCorralError(error) && error.code === 'INSTANCE_NOT_FOUND') return 'no metadata.json';
  if (code === 'ENOENT') return 'no metadata.json';
  if (isCorralError(error)) return error.message;
  return `cannot read metadata.json (${error instanceof Error ? error.message : String(error)})`;
}
