/**
 * One engine per `$CORRAL_HOME`: the engine holds a Linux abstract Unix socket named after
 * the home. Binding one is atomic, fails while another process holds it, and the kernel
 * releases it the moment its holder dies (kill -9 included), so there is no stale lock to
 * clean up and no window in which two engines both think they won. Only the holder then
 * touches the socket file that clients connect to.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';

export interface EngineLock {
  release(): Promise<void>;
}

function lockName(home: string): string {
  const hash = createHash('sha256').update(resolve(home)).digest('hex').slice(0, 32);
  return `\0corral-engine-${hash}`;
}

/** Takes the lock, or returns null when another engine holds it. */
export async function tryEngineLock(home: string): Promise<EngineLock | null> {
  const server: Server = createServer((socket) => socket.destroy());
  const taken = await new Promise<boolean>((done) => {
    server.once('error', () => done(false));
    server.listen(lockName(home), () => done(true));
  });
  if (!taken) return null;
  server.unref();
  return {
    release: () => new Promise<void>((done) => server.close(() => done())),
  };
}
