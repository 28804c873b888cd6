/**
 * Turns an instance's requests and their answers into events while its supervisor runs:
 * `request.opened` for each new line of the request log, `request.answered` for each new
 * answer. The files are polled (the log is appended to by the gateway through a mount,
 * the answers are written by another corral process); what has been emitted is kept in a
 * small cursor file, so a resumed instance does not emit its old requests again and an
 * answer given while it was stopped is emitted when it runs next. `close()` scans once
 * more, so a request made just before the end is not missed.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseRequestAnswers, type RequestRecord } from '../../gateway/policy.js';
import type { NewEvent } from '../../events/index.js';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import type { InstancePaths } from '../../state/index.js';
import { getRequestFiles, loadRequestLog } from './request-files.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A request event as this module makes it; the supervisor adds the instance id. */
export type RequestEvent = DistributiveOmit<
  Extract<NewEvent, { type: 'request.opened' | 'request.answered' }>,
  'id'
>;

const Cursor = z.object({
  /** Requests 1…opened have had their `request.opened`. */
  opened: z.number().int().nonnegative(),
  answered: z.array(z.number().int().positive()),
});
type Cursor = z.infer<typeof Cursor>;

export interface RequestEventsOptions {
  paths: InstancePaths;
  push: (event: RequestEvent) => void;
  /** Default 1000. */
  pollMs?: number;
  onError?: (message: string) => void;
}

export interface RequestEventFollower {
  /** Scans once more, then stops. */
  close(): Promise<void>;
}

async function loadCursor(path: string): Promise<Cursor> {
  try {
    const parsed = Cursor.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // missing or broken: start from the beginning
  }
  return { opened: 0, answered: [] };
}

async function loadAnswers(path: string) {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text ? parseRequestAnswers(text).answers : {};
}

/** The events for what is new since `cursor`, which is advanced in place. */
function newEvents(
  records: RequestRecord[],
  answers: Awaited<ReturnType<typeof loadAnswers>>,
  cursor: Cursor,
): RequestEvent[] {
  const events: RequestEvent[] = [];
  for (const r of records.slice(cursor.opened)) {
    events.push({ type: 'request.opened', n: r.n, kind: r.kind, name: r.name, why: r.why });
    cursor.opened = r.n;
  }
  for (const r of records) {
    const answer = answers[String(r.n)];
    if (!answer || cursor.answered.includes(r.n)) continue;
    events.push({
      type: 'request.answered',
      n: r.n,
      kind: r.kind,
      name: r.name,
      decision: answer.decision,
      by: answer.by,
      reason: answer.reason,
    });
    cursor.answered.push(r.n);
  }
  return events;
}

/**
 * Starts following; the first scan runs at once.
 *
 * @example const follower = followRequestEvents({ paths, push: (e) => sink.push({ id, ...e }) });
 *   …; await follower.close();
 */
export function followRequestEvents(options: RequestEventsOptions): RequestEventFollower {
  const files = getRequestFiles(options.paths);
  const cursor = loadCursor(files.eventCursor);
  const scan = async (): Promise<void> => {
    const current = await cursor;
    const { records } = await loadRequestLog(files.log);
    const events = newEvents(records, await loadAnswers(files.answers), current);
    if (events.length === 0) return;
    for (const event of events) options.push(event);
    await writeFileAtomic(files.eventCursor, `${JSON.stringify(current)}\n`);
  };
  // Scans run one after another, never two at once.
  let chain: Promise<void> = Promise.resolve();
  const queue = (): Promise<void> => {
    chain = chain.then(scan).catch((error: unknown) => {
      options.onError?.(`request events: ${(error as Error).message}`);
    });
    return chain;
  };
  void queue();
  const timer = setInterval(() => void queue(), options.pollMs ?? 1000);
  timer.unref();
  return {
    close: async () => {
      clearInterval(timer);
      await queue();
    },
  };
}
