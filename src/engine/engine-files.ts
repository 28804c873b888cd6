/**
 * Where the engine of a `$CORRAL_HOME` lives: its socket (mode 0600, the one way in for
 * the CLI), the lock that makes one engine per home (whoever holds it is the engine), the
 * file that says which engine it is (pid, version, when it started, the TCP address of
 * `corral serve`), and its log. Light: the CLI reads these without loading the engine.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../lib/fs-atomic.js';

export interface EngineFiles {
  dir: string;
  socket: string;
  lock: string;
  info: string;
  log: string;
  /** The token `corral serve` requires on TCP (mode 0600). */
  token: string;
}

export function getEngineFiles(home: string): EngineFiles {
  const dir = join(home, 'run');
  return {
    dir,
    socket: join(dir, 'engine.sock'),
    lock: join(dir, 'engine.lock'),
    info: join(dir, 'engine.json'),
    log: join(dir, 'engine.log'),
    token: join(dir, 'serve.token'),
  };
}

export const EngineInfo = z.object({
  pid: z.number().int(),
  /** /proc start time of the pid, so a reused pid is not taken for the engine. */
  startTicks: z.string().nullable(),
  version: z.string(),
  startedAt: z.string(),
  socket: z.string(),
  /** `http://127.0.0.1:<port>` while `corral serve` listens, else null. */
  tcp: z.string().nullable(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

export async function loadEngineInfo(files: EngineFiles): Promise<EngineInfo | null> {
  try {
    const parsed = EngineInfo.safeParse(JSON.parse(await readFile(files.info, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function saveEngineInfo(files: EngineFiles, info: EngineInfo): Promise<void> {
  await writeFileAtomic(files.info, JSON.stringify(info, null, 2));
}
