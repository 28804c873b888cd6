/**
 * The repository lock as processes see it: held, it keeps out every other holder (in this
 * process or another) until released; a holder that is gone is taken over, a live one
 * never is, nor a lock file just made that names nobody yet. Other processes are real child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock } from './lock.js';

const lockPath = async () => join(await mkdtemp(join(tmpdir(), 'lock-')), 'repo.lock');
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A live process other than this one, as a lock holder. */
async function liveProcess(): Promise<number> {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  return child.pid!;
}

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

describe('acquireLock', () => {
  it('is held by this process until released, and keeps a second holder out meanwhile', async () => {
    const path = await lockPath();
    const first = await acquireLock(path);
    expect(await readFile(path, 'utf8')).toBe(String(process.pid));
    await expect(acquireLock(path, { timeoutMs: 200 })).rejects.toThrow(
      `timed out waiting for lock ${path} held by pid ${process.pid}`,
    );
    await first.release();
    await first.release();
    expect(await exists(path)).toBe(false);
    const second = await acquireLock(path, { timeoutMs: 200 });
    await second[Symbol.asyncDispose]();
    expect(await exists(path)).toBe(false);
  });

  it('gives the lock to a waiting holder once it is released', async () => {
    const path = await lockPath();
    const first = await acquireLock(path);
    let acquired = false;
    const waiting = acquireLock(path).then((lock) => {
      acquired = true;
      return lock;
    });
    // Still held: the waiter cannot have it, however long it polls.
    await expect(acquireLock(path, { timeoutMs: 200 })).rejects.toThrow('timed out');
    expect(acquired).toBe(false);
    await first.release();
    const second = await waiting;
    expect(await readFile(path, 'utf8')).toBe(String(process.pid));
    await second.release();
  });

  it('never takes over a lock held by another live process', async () => {
    const path = await lockPath();
    const holder = await liveProcess();
    await writeFile(path, String(holder));
    await expect(acquireLock(path, { timeoutMs: 300 })).rejects.toThrow(`held by pid ${holder}`);
    expect(await readFile(path, 'utf8')).toBe(String(holder));
  });

  it('takes over a lock whose holder died', async () => {
    const path = await lockPath();
    const dead = await deadPid();
    await writeFile(path, String(dead));
    const lock = await acquireLock(path, { timeoutMs: 1000 });
    expect(await readFile(path, 'utf8')).toBe(String(process.pid));
    await lock.release();
  });

  it('takes over a lock whose holder was killed and is not reaped yet (a zombie)', async () => {
    const path = await lockPath();
    // `sleep 300` outlives its child `sleep 299` and never reaps it: killed, it stays a zombie.
    const parent = spawn('bash', ['-c', 'sleep 299 & echo $!; exec sleep 300'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(parent);
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const holder = Number(line.toString().trim());
    await writeFile(path, String(holder));
    // The control: a live holder keeps the lock.
    await expect(acquireLock(path, { timeoutMs: 300 })).rejects.toThrow(`held by pid ${holder}`);
    process.kill(holder, 'SIGKILL');
    await expect.poll(() => readFile(`/proc/${holder}/stat`, 'utf8')).toMatch(/\) Z /);
    expect(() => process.kill(holder, 0)).not.toThrow();
    const lock = await acquireLock(path, { timeoutMs: 1000 });
    expect(await readFile(path, 'utf8')).toBe(String(process.pid));
    await lock.release();
  });

  it('takes over a lock file that names nobody once it is old (a holder killed while making it), not a fresh one', async () => {
    const path = await lockPath();
    await writeFile(path, '');
    await expect(acquireLock(path, { timeoutMs: 300 })).rejects.toThrow('held by pid');
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const lock = await acquireLock(path, { timeoutMs: 1000 });
    expect(await readFile(path, 'utf8')).toBe(String(process.pid));
    await lock.release();
    // Nothing is left beside it of how it was made.
    expect(await readdir(dirname(path))).toEqual([]);
  });
});
