/**
 * How far a run's supervision got, saved after every batch of events is on disk, so that a
 * restarted engine goes on exactly there: the bytes of the command's two streams it has
 * read, how long output.log and events.ndjson were then (cut back to that on adoption, so
 * nothing is written twice), and the offsets of the gateway's logs. Lives in the state dir
 * as `run-cursor.json`; written atomically.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../../lib/fs-atomic.js';

export const RunCursor = z.object({
  tag: z.string(),
  stdout: z.number().int().nonnegative(),
  stderr: z.number().int().nonnegative(),
  outputLog: z.number().int().nonnegative(),
  events: z.number().int().nonnegative(),
  /** events.ndjson's length when this run began: a run started over is cut back to it. */
  begin: z.number().int().nonnegative().optional(),
  /** Saved once the work came back and the record says so: a restart cuts back to here. */
  finishing: z.boolean().optional(),
  egressLog: z.number().int().nonnegative(),
  usageLog: z.number().int().nonnegative(),
});
export type RunCursor = z.infer<typeof RunCursor>;

export async function loadRunCursor(path: string): Promise<RunCursor | null> {
  try {
    const parsed = RunCursor.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function saveRunCursor(path: string, cursor: RunCursor): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(cursor));
}
