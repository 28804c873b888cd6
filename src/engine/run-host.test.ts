import { describe, expect, it } from 'vitest';
import type { Orchestrator } from '../orchestrator/index.js';
import type { Metadata } from '../state/index.js';
import { RunHost } from './run-host.js';

/**
 * A supervision that says its record is final, then releases its sandbox when the test
 * lets it: the part of the orchestrator RunHost drives, and nothing else.
 */
function releasingRuns() {
  const started: string[] = [];
  const releases: Array<() => void> = [];
  const orchestrator = {
    async supervise(
      id: string,
      _io: unknown,
      _cancel: unknown,
      options: { onFinal?: (m: Metadata) => void },
    ): Promise<Metadata> {
      started.push(id);
      const final = { id, status: 'succeeded' } as Metadata;
      options.onFinal?.(final);
      await new Promise<void>((resolve) => releases.push(resolve));
      return final;
    },
  } as unknown as Orchestrator;
  return { host: new RunHost(orchestrator, () => undefined), started, releases };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('RunHost and a run releasing its sandbox', () => {
  it('tells its watchers it ended once the record is final, not after the release', async () => {
    const { host, releases } = releasingRuns();
    const ends: string[] = [];
    host.watch('a', { onEnd: () => ends.push('end') });
    host.start('a', {});
    await tick();
    expect(ends).toEqual(['end']);
    expect(host.has('a')).toBe(true);
    releases[0]!();
    await host.whenDone('a');
    // Told once.
    expect(ends).toEqual(['end']);
    expect(host.has('a')).toBe(false);
  });

  it('starts the next run of the instance once the last is released, and waits for it when asked', async () => {
    const { host, started, releases } = releasingRuns();
    host.start('a', {});
    await tick();
    let released = false;
    const waited = host.whenReleased('a').then(() => (released = true));
    // A resume arrives while the sandbox is released: held, not dropped.
    host.start('a', {});
    await tick();
    expect(started).toEqual(['a']);
    expect(released).toBe(false);
    let idle = false;
    void host.whenIdle().then(() => (idle = true));
    releases[0]!();
    await waited;
    await tick();
    expect(started).toEqual(['a', 'a']);
    expect(idle).toBe(false);
    releases[1]!();
    await host.whenDone('a');
    await tick();
    expect(idle).toBe(true);
  });

  it('does not start a run twice while it still runs', async () => {
    const started: string[] = [];
    const orchestrator = {
      supervise: async (id: string) => {
        started.push(id);
        return new Promise<Metadata>(() => undefined);
      },
    } as unknown as Orchestrator;
    const host = new RunHost(orchestrator, () => undefined);
    host.start('a', {});
    host.start('a', {});
    await tick();
    expect(started).toEqual(['a']);
    // Not releasing: whenReleased does not wait for the run.
    await host.whenReleased('a');
  });
});
