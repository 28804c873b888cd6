import { describe, expect, it } from 'vitest';
import { InstancesStore, usageOf } from './instances-store.js';
import type { CorralEvent, Metadata } from './types.js';

function meta(id: string, createdAt: string, status: Metadata['status'] = 'running'): Metadata {
  return {
    id,
    status,
    createdAt,
    startedAt: createdAt,
    endedAt: null,
    durationMs: null,
    summary: null,
  } as Metadata;
}

const ev = (e: Partial<CorralEvent> & { type: CorralEvent['type']; id: string }): CorralEvent =>
  ({ v: 1, ts: '2026-01-01T00:00:05.000Z', ...e }) as CorralEvent;

describe('InstancesStore', () => {
  it('lists newest first with their pending requests', () => {
    const store = new InstancesStore(() => undefined);
    store.load(
      [meta('a', '2026-01-01T00:00:00Z'), meta('b', '2026-01-01T00:01:00Z')],
      [
        { id: 'a', n: 1, status: 'pending' } as never,
        { id: 'a', n: 2, status: 'approved' } as never,
      ],
    );
    expect(store.getSnapshot().map((r) => [r.meta.id, r.pending])).toEqual([
      ['b', []],
      ['a', [1]],
    ]);
  });

  it('changes only the row an event is about, and asks for that record again', () => {
    const refetched: string[] = [];
    const store = new InstancesStore((id) => refetched.push(id));
    store.load([meta('a', '2026-01-01T00:00:00Z'), meta('b', '2026-01-01T00:01:00Z')], []);
    const [b0, a0] = store.getSnapshot();
    store.apply(
      ev({ type: 'instance.ended', id: 'a', status: 'failed', exitCode: 1, durationMs: 5000 }),
    );
    const [b1, a1] = store.getSnapshot();
    expect(b1).toBe(b0);
    expect(a1).not.toBe(a0);
    expect(a1?.meta).toMatchObject({ status: 'failed', exitCode: 1, durationMs: 5000 });
    expect(refetched).toEqual(['a']);
  });

  it('counts pending requests once however often an event comes, and live tokens', () => {
    const store = new InstancesStore(() => undefined);
    store.load([meta('a', '2026-01-01T00:00:00Z')], []);
    const opened = ev({
      type: 'request.opened',
      id: 'a',
      n: 1,
      kind: 'host',
      name: 'x.test',
      why: 'w',
    });
    store.apply(opened);
    store.apply(opened);
    expect(store.getSnapshot()[0]?.pending).toEqual([1]);
    store.apply(
      ev({
        type: 'request.answered',
        id: 'a',
        n: 1,
        kind: 'host',
        name: 'x.test',
        decision: 'approved',
        by: null,
        reason: null,
      }),
    );
    expect(store.getSnapshot()[0]?.pending).toEqual([]);
    store.apply(
      ev({
        type: 'agent.usage',
        id: 'a',
        model: null,
        inputTokens: 100,
        outputTokens: 20,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.5,
      }),
    );
    expect(usageOf(store.getSnapshot()[0]!)).toEqual({ tokens: 120, costUsd: 0.5 });
  });

  it('takes a removed instance away, and nothing else', () => {
    const store = new InstancesStore(() => undefined);
    store.load([meta('a', '2026-01-01T00:00:00Z'), meta('b', '2026-01-01T00:01:00Z')], []);
    const [b0] = store.getSnapshot();
    store.apply(ev({ type: 'instance.removed', id: 'a', seq: 9 }));
    expect(store.getSnapshot()).toEqual([b0]);
    // Said again (a page catching up), it changes nothing.
    const before = store.getSnapshot();
    store.apply(ev({ type: 'instance.removed', id: 'a', seq: 9 }));
    expect(store.getSnapshot()).toBe(before);
  });

  it('keeps what is said of an instance before its record arrives', () => {
    const store = new InstancesStore(() => undefined);
    store.load([], []);
    store.apply(
      ev({ type: 'request.opened', id: 'new', n: 1, kind: 'host', name: 'x.test', why: 'w' }),
    );
    expect(store.getSnapshot()).toEqual([]);
    store.upsert(meta('new', '2026-01-01T00:00:00Z'));
    expect(store.getSnapshot()[0]?.pending).toEqual([1]);
  });
});

describe('InstancesStore and records that lag their events', () => {
  it('keeps the status the last lifecycle event said until the record shows it', () => {
    const store = new InstancesStore(() => undefined);
    store.load([meta('a', '2026-01-01T00:00:00Z')], []);
    store.apply(
      ev({ type: 'instance.ended', id: 'a', status: 'succeeded', exitCode: 0, durationMs: 9 }),
    );
    // The engine had not saved the ended record yet when it was fetched.
    expect(store.upsert(meta('a', '2026-01-01T00:00:00Z', 'running'))).toBe(false);
    expect(store.getSnapshot()[0]?.meta.status).toBe('succeeded');
    expect(store.upsert(meta('a', '2026-01-01T00:00:00Z', 'succeeded'))).toBe(true);
    // Resumed: started again, the old ended record is behind.
    store.apply(ev({ type: 'instance.started', id: 'a', sandboxId: 's' }));
    expect(store.upsert(meta('a', '2026-01-01T00:00:00Z', 'succeeded'))).toBe(false);
    expect(store.getSnapshot()[0]?.meta.status).toBe('running');
  });
});
