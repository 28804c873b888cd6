/**
 * The event journal: gives each event of each instance its place in one all-instances
 * stream (`gseq`, the stable id a client resumes from). The events themselves stay in
 * each instance's events.ndjson; a journal row names one by (instance, seq). Appends come
 * in batches, one prepared statement in one transaction per batch, which is what keeps a
 * busy engine above 100,000 rows a second (bench/index.mjs).
 */
import type { Database, Statement } from 'better-sqlite3';

export interface JournalEntry {
  gseq: number;
  instanceId: string;
  seq: number;
}

export interface JournalAppend {
  instanceId: string;
  seq: number;
}

export class EventJournal {
  readonly #insert: Statement<[string, number]>;
  readonly #after: Statement<[number, number], JournalEntry>;
  readonly #lastSeq: Statement<[string], number | null>;
  readonly #last: Statement<[], number | null>;
  readonly #appendBatch: (entries: readonly JournalAppend[]) => Array<number | null>;

  constructor(db: Database) {
    // OR IGNORE: an engine that re-reads an instance's log after a restart may append an
    // event it had journaled already; it keeps its first place.
    this.#insert = db.prepare(
      'INSERT OR IGNORE INTO event_journal (instance_id, seq) VALUES (?, ?)',
    );
    this.#after = db.prepare(
      'SELECT gseq, instance_id AS instanceId, seq FROM event_journal WHERE gseq > ? ORDER BY gseq LIMIT ?',
    );
    this.#lastSeq = db
      .prepare<[string], number | null>('SELECT max(seq) FROM event_journal WHERE instance_id = ?')
      .pluck();
    // sqlite_sequence, not max(gseq): the highest ever handed out, also after deletes.
    this.#last = db
      .prepare<[], number | null>("SELECT seq FROM sqlite_sequence WHERE name = 'event_journal'")
      .pluck();
    this.#appendBatch = db.transaction((entries: readonly JournalAppend[]) => {
      const gseqs: Array<number | null> = [];
      for (const e of entries) {
        const r = this.#insert.run(e.instanceId, e.seq);
        gseqs.push(r.changes === 1 ? Number(r.lastInsertRowid) : null);
      }
      return gseqs;
    });
  }

  /**
   * Appends a batch in one transaction; returns each entry's gseq, or null for one that
   * was journaled before.
   *
   * @example journal.append([{ instanceId: 'claude-k3x9q', seq: 1 }]) // → [1]
   */
  append(entries: readonly JournalAppend[]): Array<number | null> {
    return entries.length ? this.#appendBatch(entries) : [];
  }

  /** The entries after `gseq` (0: from the start), in order, at most `limit`. */
  after(gseq: number, limit = 1000): JournalEntry[] {
    return this.#after.all(gseq, limit);
  }

  /** The highest seq journaled for an instance (where a re-attached reader goes on), or null. */
  lastSeq(instanceId: string): number | null {
    return this.#lastSeq.get(instanceId) ?? null;
  }

  /** The highest gseq handed out so far; 0 for an empty journal. */
  lastGseq(): number {
    return this.#last.get() ?? 0;
  }
}
