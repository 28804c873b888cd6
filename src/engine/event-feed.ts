/**
 * Every instance's events as one stream (`GET /v1/events`): each event a run hosted here
 * says gets its place in the index's event journal (its `gseq`, the id a client resumes
 * from) and is handed to every follower. A follower that comes (back) with a cursor gets
 * the journaled events after it, read from the instances' own logs, then live ones: none
 * missed, none twice. Events said while no engine watched (its process killed) are
 * journaled, in their order, before the next one of that instance, so the stream has no
 * holes either. Journaling is batched: one transaction for what arrived together.
 */
import { readEventsAfter, type CorralEvent } from '../events/index.js';
import type { EventJournal } from '../store/index.js';
import type { AllEventsOptions, FeedEntry } from './engine-api.js';

export interface EventFeedOptions {
  /** The journal (throws when the index cannot be used). */
  journal: () => EventJournal;
  eventsPath: (id: string) => string;
  /** Writes out what the run of `id` said so far (its events are then in its log). */
  flush: (id: string) => Promise<void>;
  log: (line: string) => void;
}

const replayPage = 2000;

export class EventFeed {
  readonly #listeners = new Set<(entry: FeedEntry) => void>();
  #pending: CorralEvent[] = [];
  #draining: Promise<void> = Promise.resolve();
  #broken = false;

  constructor(private readonly o: EventFeedOptions) {}

  /** An event a hosted run said. */
  add(event: CorralEvent): void {
    if (event.seq === undefined) return;
    this.#pending.push(event);
    if (this.#pending.length === 1) this.#draining = this.#draining.then(() => this.#drain());
  }

  /** Resolves once every event added so far is journaled and handed out. */
  settled(): Promise<void> {
    return this.#draining;
  }

  async #drain(): Promise<void> {
    // Let what arrives together go in one transaction.
    await new Promise((resolve) => setImmediate(resolve));
    const batch = this.#pending;
    this.#pending = [];
    try {
      const journal = this.o.journal();
      const events = await this.#withMissed(journal, batch);
      const gseqs = journal.append(events.map((e) => ({ instanceId: e.id, seq: e.seq! })));
      this.#broken = false;
      events.forEach((event, i) => {
        const gseq = gseqs[i];
        if (gseq === null || gseq === undefined) return;
        for (const listener of this.#listeners) listener({ gseq, event });
      });
    } catch (error) {
      // The instances' own logs still have every event; only the joint stream misses them.
      if (!this.#broken) {
        this.o.log(
          `the event journal cannot be written (${error instanceof Error ? error.message : String(error)}); GET /v1/events misses events until it can`,
        );
      }
      this.#broken = true;
    }
  }

  /** `batch`, with any event of its instances said since their last journaled one put first. */
  async #withMissed(journal: EventJournal, batch: CorralEvent[]): Promise<CorralEvent[]> {
    const out: CorralEvent[] = [];
    const reached = new Map<string, number>();
    for (const event of batch) {
      let last = reached.get(event.id);
      if (last === undefined) last = journal.lastSeq(event.id) ?? 0;
      if (event.seq! > last + 1) {
        for (const missed of await readEventsAfter(this.o.eventsPath(event.id), event.id, last)) {
          if (missed.seq! >= event.seq!) break;
          out.push(missed);
        }
      }
      out.push(event);
      reached.set(event.id, Math.max(last, event.seq!));
    }
    return out;
  }

  /**
   * The journaled events after `after` (0: all), then, with `follow`, live ones until
   * `signal` aborts. `onReady` says the gseq reached once the past is delivered.
   */
  async follow(options: AllEventsOptions, onEntry: (entry: FeedEntry) => void): Promise<void> {
    let last = options.after;
    let replayed = false;
    const held: FeedEntry[] = [];
    const deliver = (entry: FeedEntry) => {
      if (entry.gseq <= last) return;
      last = entry.gseq;
      onEntry(entry);
    };
    const listener = (entry: FeedEntry) => (replayed ? deliver(entry) : held.push(entry));
    if (options.follow) this.#listeners.add(listener);
    try {
      await this.#draining;
      const journal = this.o.journal();
      if (last < 0) last = journal.lastGseq();
      for (;;) {
        const page = journal.after(last, replayPage);
        if (page.length === 0) break;
        for (const entry of await this.#read(page)) deliver(entry);
      }
      replayed = true;
      for (const entry of held.splice(0)) deliver(entry);
      options.onReady?.(last);
      if (!options.follow || options.signal?.aborted) return;
      await new Promise<void>((resolve) =>
        options.signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
    } finally {
      this.#listeners.delete(listener);
    }
  }

  /** The events journal entries name, read from their instances' logs. */
  async #read(page: { gseq: number; instanceId: string; seq: number }[]): Promise<FeedEntry[]> {
    const byInstance = new Map<string, Map<number, CorralEvent>>();
    for (const entry of page) {
      if (byInstance.has(entry.instanceId)) continue;
      const from = Math.min(
        ...page.filter((e) => e.instanceId === entry.instanceId).map((e) => e.seq),
      );
      await this.o.flush(entry.instanceId);
      const events = await readEventsAfter(
        this.o.eventsPath(entry.instanceId),
        entry.instanceId,
        from - 1,
      ).catch(() => []);
      byInstance.set(entry.instanceId, new Map(events.map((e) => [e.seq!, e])));
    }
    const out: FeedEntry[] = [];
    for (const entry of page) {
      const event = byInstance.get(entry.instanceId)?.get(entry.seq);
      // An instance removed since (rm): its events went with it.
      if (event) out.push({ gseq: entry.gseq, event });
    }
    return out;
  }
}
