import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallPacer } from './call-pacer.js';

describe('CallPacer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('lets rpm calls start at once, holds the next until a minute after the first', async () => {
    const pacer = new CallPacer(2);
    expect(await pacer.acquire()).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await pacer.acquire()).toBe(true);
    let third: boolean | undefined;
    void pacer.acquire().then((granted) => (third = granted));
    await vi.advanceTimersByTimeAsync(49_999);
    expect(third).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(third).toBe(true);
    pacer.close();
  });

  it('serves waiting calls first come first served', async () => {
    const pacer = new CallPacer(2);
    await pacer.acquire();
    await pacer.acquire();
    const order: number[] = [];
    const waiting = [1, 2].map((n) => pacer.acquire().then(() => order.push(n)));
    // A newcomer does not jump the queue once a slot frees.
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(waiting);
    expect(order).toEqual([1, 2]);
    pacer.close();
  });

  it('refuses a flood (as many waiting as the cap) and a call whose agent hung up', async () => {
    const pacer = new CallPacer(1);
    await pacer.acquire();
    const first = pacer.acquire();
    expect(await pacer.acquire()).toBe(false);
    const gone = new AbortController();
    pacer.close();
    expect(await first).toBe(false);

    const other = new CallPacer(1);
    await other.acquire();
    const waiting = other.acquire(gone.signal);
    gone.abort();
    expect(await waiting).toBe(false);
    other.close();
  });
});
