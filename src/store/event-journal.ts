/**
 * The event journal: gives each event of each instance its place in one all-instances
 * stream (`gseq`, the stable id a client resumes from). The events themselves stay in
 * each instance's events.ndjson; a journal row names one by (instance, seq). Appends come
 * in batches, one prepared statement in one transaction per batch, which is what keeps a
 * busy engine well above 100,000 rows a second (bench/index.mjs).
 *
 * Per instance, events are appended in the order of their seq (the order of the log);
 * an entry at or below the last seq journaled for its instance is taken as journaled
 * already and skipped, so an engine that re-reads a log after a restart appends nothing
 * twice.
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
  readonly #cursor: Statement<[string], number>;
  readonly #setCursor: Statement<[string, number]>;
  readonly #after: Statement<[number, number], JournalEntry>;
  readonly #last: Statement<[], number>;
  readonly #appendBatch: (entries: readonly JournalAppend[]) => Array<number | null>;

  constructor(db: Database) {
    this.#insert = db.prepare('INSERT INTO event_journal (instance_id, seq) VALUES (?, ?)');
    this.#cursor = db
      .prepare<[string], number>('SELECT last_seq FROM journal_cursors WHERE instance_id = ?')
      .pluck();
    this.#setCursor = db.prepare(
      `INSERT INTO journal_cursors (instance_id, last_seq) VALUES (?, ?)
       ON CONFLICT (instance_id) DO UPDATE SET last_seq = excluded.last_seq`,
    );
    this.#after = db.prepare(
      'SELECT gseq, instance_id AS instanceId, seq FROM event_journal WHERE gseq > ? ORDER BY gseq LIMIT ?',
    );
    // sqlite_sequence, not max(gseq): the highest ever handed out, also after deletes.
    this.#last = db
      .prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'event_journal'")
      .pluck();
    this.#appendBatch = db.transaction((entries: readonly JournalAppend[]) => {
      const last = new Map<string, number | null>();
      const moved = new Set<string>();
      const gseqs: Array<number | null> = [];
      for (const e of entries) {
        let before = last.get(e.instanceId);
        if (before === undefined) before = this.#cursor.get(e.instanceId) ?? null;
        if (before !== null && e.seq <= before) {
          last.set(e.instanceId, before);
          gseqs.push(null);
          continue;
        }
        gseqs.push(Number(this.#insert.run(e.instanceId, e.seq).lastInsertRowid));
        last.set(e.instanceId, e.seq);
        moved.add(e.instanceId);
      }
      for (const id of moved) this.#setCursor.run(id, last.get(id)!);
      return gseqs;
    });
  }

  /**
   * Appends a batch in one transaction (all of it or, on an error, none); returns each
   * entry's gseq, or null for one journaled before.
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

  /** The last seq journaled for an instance (where a re-attached reader goes on), or null. */
  lastSeq(instanceId: string): number | null {
    return this.#cursor.get(instanceId) ?? null;
  }

  /** The highest gseq handed out so far; 0 for an empty journal. */
  lastGseq(): number {
    return this.#last.get() ?? 0;
  }
}
