/**
 * A cross-process lock on a file path (exclusive create), used as "one lock per repository
 * for git operations on it". A lock whose holder process is gone is taken over, so a
 * crashed corral never wedges a repository. The file appears with its holder's pid already
 * in it (written aside, then hard-linked into place), so a holder killed at any moment
 * never leaves a lock that names nobody.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rm, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isProcessRunning } from './process-stat.js';

export interface Lock extends AsyncDisposable {
  release(): Promise<void>;
}

const staleEmptyMs = 5000;

async function ageMs(path: string): Promise<number> {
  const s = await stat(path).catch(() => null);
  return s ? Date.now() - s.mtimeMs : 0;
}

/**
 * Holders in this process queue in order before they try the file: the engine runs many
 * instances in one process, all with its pid, and polling would serve them in no order
 * (twenty at once timed out on one repository's lock).
 */
const queues = new Map<string, Promise<void>>();

export async function acquireLock(
  path: string,
  options: { timeoutMs?: number } = {},
): Promise<Lock> {
  const before = queues.get(path) ?? Promise.resolve();
  let leave!: () => void;
  const turn = new Promise<void>((resolve) => (leave = resolve));
  const queue = before.then(() => turn);
  queues.set(path, queue);
  const leaveQueue = () => {
    leave();
    if (queues.get(path) === queue) queues.delete(path);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), Math.max(0, deadline - Date.now()));
    });
    const waited = await Promise.race([before.then(() => 'turn' as const), timedOut]);
    clearTimeout(timer);
    if (waited === 'timed out') {
      const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
      throw new Error(`timed out waiting for lock ${path} held by pid ${holder}`);
    }
    const lock = await acquireFileLock(path, deadline);
    const release = async () => {
      await lock.release();
      leaveQueue();
    };
    return { release, [Symbol.asyncDispose]: release };
  } catch (error) {
    leaveQueue();
    throw error;
  }
}

async function acquireFileLock(path: string, deadline: number): Promise<Lock> {
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
      await writeFile(aside, String(process.pid));
      try {
        await link(aside, path);
      } finally {
        await rm(aside, { force: true });
      }
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        await rm(path, { force: true });
      };
      return { release, [Symbol.asyncDispose]: release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && !isProcessRunning(holder)) {
        await rm(path, { force: true });
        continue;
      }
      // Naming nobody: left by an older corral killed between creating it and writing it.
      if (!(holder > 0) && (await ageMs(path)) > staleEmptyMs) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for lock ${path} held by pid ${holder}`);
      await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** Math.min(attempt, 5), 500)));
    }
  }
}
