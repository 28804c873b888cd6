import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { latestLoader } from './latest-loader.js';

describe('latestLoader', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes one load of requests that come together', async () => {
    const load = vi.fn(() => Promise.resolve(1));
    const got: number[] = [];
    const loader = latestLoader(
      load,
      (v) => got.push(v),
      () => undefined,
    );
    loader.request();
    loader.request();
    loader.request();
    await vi.runAllTimersAsync();
    expect(load).toHaveBeenCalledTimes(1);
    expect(got).toEqual([1]);
  });

  it('drops an answer that arrives after a later load started', async () => {
    const answers: ((v: string) => void)[] = [];
    const got: string[] = [];
    const loader = latestLoader(
      () => new Promise<string>((resolve) => answers.push(resolve)),
      (v) => got.push(v),
      () => undefined,
    );
    loader.request();
    await vi.advanceTimersByTimeAsync(60);
    loader.request();
    await vi.advanceTimersByTimeAsync(60);
    answers[1]!('new');
    await vi.runAllTimersAsync();
    answers[0]!('old');
    await vi.runAllTimersAsync();
    expect(got).toEqual(['new']);
  });

  it('reports the newest failure, and nothing once disposed', async () => {
    const failures: unknown[] = [];
    const loader = latestLoader(
      () => Promise.reject(new Error('no')),
      () => undefined,
      (e) => failures.push(e),
    );
    loader.request();
    await vi.runAllTimersAsync();
    expect(failures).toHaveLength(1);
    loader.request();
    loader.dispose();
    await vi.runAllTimersAsync();
    expect(failures).toHaveLength(1);
  });
});
