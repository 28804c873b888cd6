/**
 * A cross-process lock on a file path (exclusive create), used as "one lock per repository
 * for git operations on it". A lock whose holder process is gone is taken over, so a
 * crashed corral never wedges a repository.
 */
import { open, readFile, rm, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Lock extends AsyncDisposable {
  release(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLock(
  path: string,
  options: { timeoutMs?: number } = {},
): Promise<Lock> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
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
      if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for lock ${path} held by pid ${holder}`);
      await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** Math.min(attempt, 5), 500)));
    }
  }
}
