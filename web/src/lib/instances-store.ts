/**
 * The instances page's live state: every instance's record, kept current from the joint
 * event stream without listing them all again. Each row is replaced (never mutated) when
 * its instance changes, so a table of many rows re-renders only the rows that changed.
 * Lifecycle events change the row's status at once and ask for that one record again (for
 * its summary, exit and times); a record that does not show the last lifecycle event yet
 * (the engine saves it just after saying the event) keeps the event's status and is asked
 * for again; usage adds to live token counts until the run's summary
 * has them; requests opened and answered keep each row's pending count; a removal (by
 * anyone) takes the row away.
 */
import type { CorralEvent, InstanceRequest, Metadata } from './types.js';

export interface InstanceRow {
  meta: Metadata;
  /** Tokens and cost the run reported so far (until its summary has the totals). */
  live: { tokens: number; costUsd: number | null };
  /** Numbers of its requests waiting for a person. */
  pending: readonly number[];
}

export class InstancesStore {
  #rows = new Map<string, InstanceRow>();
  #order: string[] = [];
  #listeners = new Set<() => void>();
  #snapshot: readonly InstanceRow[] = [];
  /** What the last lifecycle event of each instance said of its record. */
  #lifecycle = new Map<string, Partial<Metadata>>();
  /** Live counts and requests of instances whose record has not arrived yet. */
  #early = new Map<string, Omit<InstanceRow, 'meta'>>();
  loaded = false;

  constructor(private readonly refetch: (id: string) => void) {}

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Rows, newest first; the same array until something changes. */
  getSnapshot = (): readonly InstanceRow[] => this.#snapshot;

  #changed(): void {
    this.#snapshot = this.#order.flatMap((id) => {
      const row = this.#rows.get(id);
      return row ? [row] : [];
    });
    for (const listener of this.#listeners) listener();
  }

  /** The list as `GET /v1/instances` gave it, and the pending requests. */
  load(instances: Metadata[], requests: InstanceRequest[]): void {
    const pending = new Map<string, number[]>();
    for (const r of requests) {
      if (r.status === 'pending') pending.set(r.id, [...(pending.get(r.id) ?? []), r.n]);
    }
    for (const listed of instances) {
      const { meta } = this.#withLifecycle(listed);
      const old = this.#rows.get(meta.id) ?? this.#early.get(meta.id);
      this.#rows.set(meta.id, {
        meta,
        live: old?.live ?? { tokens: 0, costUsd: null },
        pending: pending.get(meta.id) ?? old?.pending ?? [],
      });
      this.#early.delete(meta.id);
    }
    this.#sort();
    this.loaded = true;
    this.#changed();
  }

  /**
   * A record fetched again (after a lifecycle event), or returned by an action. Returns
   * false when it is behind the last lifecycle event (then fetch it again, a little later).
   */
  upsert(fetched: Metadata): boolean {
    const { meta, current } = this.#withLifecycle(fetched);
    const old = this.#rows.get(meta.id) ?? this.#early.get(meta.id);
    this.#rows.set(meta.id, {
      meta,
      live: old?.live ?? { tokens: 0, costUsd: null },
      pending: old?.pending ?? [],
    });
    this.#early.delete(meta.id);
    this.#sort();
    this.#changed();
    return current;
  }

  /** The record with what the last lifecycle event said, when the record does not show it yet. */
  #withLifecycle(meta: Metadata): { meta: Metadata; current: boolean } {
    const patch = this.#lifecycle.get(meta.id);
    if (!patch || patch.status === meta.status) return { meta, current: true };
    return { meta: { ...meta, ...patch }, current: false };
  }

  remove(id: string): void {
    if (!this.#rows.delete(id)) return;
    this.#sort();
    this.#changed();
  }

  #sort(): void {
    this.#order = [...this.#rows.values()]
      .sort((a, b) => (a.meta.createdAt < b.meta.createdAt ? 1 : -1))
      .map((r) => r.meta.id);
  }

  /** One event of the joint stream. */
  apply(event: CorralEvent): void {
    if (event.type === 'instance.removed') {
      // Removed elsewhere (corral rm, another page): its row goes at once.
      this.#early.delete(event.id);
      this.#lifecycle.delete(event.id);
      this.remove(event.id);
      return;
    }
    const row = this.#rows.get(event.id);
    const base = row ??
      this.#early.get(event.id) ?? {
        live: { tokens: 0, costUsd: null },
        pending: [],
      };
    let next: Omit<InstanceRow, 'meta'> & { meta?: Metadata } = {
      ...base,
      ...(row ? { meta: row.meta } : {}),
    };
    if (
      event.type === 'instance.created' ||
      event.type === 'instance.started' ||
      event.type === 'instance.ended'
    ) {
      const change = lifecycleChange(event);
      this.#lifecycle.set(event.id, change);
      if (next.meta) next = { ...next, meta: { ...next.meta, ...change } };
      this.refetch(event.id);
    } else if (event.type === 'agent.usage') {
      next = {
        ...next,
        live: {
          tokens: next.live.tokens + event.inputTokens + event.outputTokens,
          costUsd:
            event.costUsd === null ? next.live.costUsd : (next.live.costUsd ?? 0) + event.costUsd,
        },
      };
    } else if (event.type === 'request.opened') {
      if (!next.pending.includes(event.n)) next = { ...next, pending: [...next.pending, event.n] };
    } else if (event.type === 'request.answered') {
      next = { ...next, pending: next.pending.filter((n) => n !== event.n) };
    } else {
      return;
    }
    if (next.meta) {
      this.#rows.set(event.id, { meta: next.meta, live: next.live, pending: next.pending });
      this.#changed();
    } else {
      this.#early.set(event.id, { live: next.live, pending: next.pending });
    }
  }
}

type LifecycleEvent = Extract<
  CorralEvent,
  { type: 'instance.created' | 'instance.started' | 'instance.ended' }
>;

/** What a lifecycle event tells of the record at once (the refetched record tells the rest). */
function lifecycleChange(event: LifecycleEvent): Partial<Metadata> {
  switch (event.type) {
    case 'instance.created':
      return { status: 'created' };
    case 'instance.started':
      return { status: 'running', startedAt: event.ts, endedAt: null };
    case 'instance.ended':
      return {
        status: event.status,
        endedAt: event.ts,
        durationMs: event.durationMs,
        exitCode: event.exitCode,
      };
  }
}

/** Tokens and cost to show: the run's totals once it has them, else what it reported so far. */
export function usageOf(row: InstanceRow): { tokens: number | null; costUsd: number | null } {
  const s = row.meta.summary;
  if (s) return { tokens: s.inputTokens + s.outputTokens, costUsd: s.costUsd };
  return { tokens: row.live.tokens || null, costUsd: row.live.costUsd };
}
