import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from './lock.js';

describe('acquireLock', () => {
  it('serializes holders', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'lock-')), 'repo.lock');
    const order: string[] = [];
    const first = await acquireLock(path);
    const second = acquireLock(path).then(async (lock) => {
      order.push('second');
      await lock.release();
    });
    await new Promise((r) => setTimeout(r, 100));
    order.push('first');
    await first.release();
    await second;
    expect(order).toEqual(['first', 'second']);
  });

  it('takes over a lock whose holder died', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'lock-')), 'repo.lock');
    await writeFile(path, '999999999');
    const lock = await acquireLock(path, { timeoutMs: 1000 });
    await lock.release();
  });
});
