/**
 * The instance index: a SQLite database at `$CORRAL_HOME/index.sqlite` with a row per
 * state dir, so that listing thousands of instances, filtered and sorted, reads one table
 * instead of every metadata.json. The state dirs stay the truth: the index is refreshed
 * from them (only the records whose file changed are read again) and can be rebuilt from
 * them at any time. WAL mode and a busy timeout, because two processes may have it open
 * (the engine, and a command run with the engine inline). Every query is a prepared
 * statement; those built from a query's shape are kept by their SQL text.
 *
 * @example
 * const index = InstanceIndex.open(getIndexPath(home));
 * await index.refresh(home);
 * index.list({ status: ['running'], sort: 'started', limit: 20 });
 * index.close();
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { Metadata } from '../state/index.js';
import { BattleTable } from './battle-table.js';
import { EventJournal } from './event-journal.js';
import { compileInstanceQuery, type InstanceQuery } from './instance-query.js';
import { instanceColumns, toInstanceRow, type InstanceRow } from './instance-row.js';
import { migrate, refuseNewerSchema } from './migrate.js';
import { migrations } from './migrations/index.js';
import { getRecordFormat } from './record-format.js';
import { scanStateDirs, type SkippedStateDir } from './scan-state-dirs.js';

/** Where the index of a corral home lives. */
export function getIndexPath(home: string): string {
  return join(home, 'index.sqlite');
}

/** How long a statement waits for another process's write to finish before failing. */
const busyTimeoutMs = 10_000;

export interface RebuildReport {
  indexed: number;
  skipped: SkippedStateDir[];
}

export interface RefreshReport {
  /** Records read again because their metadata.json changed (or was new). */
  updated: number;
  /** Rows dropped: the state dir is gone, or its record no longer readable. */
  removed: number;
  skipped: SkippedStateDir[];
}

export class InstanceIndex {
  readonly path: string;
  /** The all-instances event journal, on the same connection. */
  readonly journal: EventJournal;
  /** The battles and their contestants, on the same connection. */
  readonly battles: BattleTable;
  readonly #db: Database;
  readonly #upsert: Statement<[InstanceRow]>;
  readonly #remove: Statement<[string]>;
  readonly #get: Statement<[string], StoredRecord>;
  readonly #stamp: Statement<[string], string | null>;
  readonly #stamps: Statement<[], { id: string; stamp: string | null }>;
  readonly #queries = new Map<string, Statement<unknown[], StoredRecord>>();
  #format: string | undefined;

  private constructor(db: Database, path: string) {
    this.#db = db;
    this.path = path;
    this.journal = new EventJournal(db);
    this.battles = new BattleTable(db);
    this.#upsert = db.prepare(
      `INSERT OR REPLACE INTO instances (${instanceColumns.join(', ')}) VALUES (${instanceColumns.map((c) => `@${c}`).join(', ')})`,
    );
    this.#remove = db.prepare('DELETE FROM instances WHERE id = ?');
    this.#get = db
      .prepare<[string], StoredRecord>('SELECT record, record_format FROM instances WHERE id = ?')
      .raw();
    this.#stamp = db
      .prepare<[string], string | null>('SELECT source_stamp FROM instances WHERE id = ?')
      .pluck();
    this.#stamps = db.prepare('SELECT id, source_stamp AS stamp FROM instances');
  }

  /**
   * Opens (creating it and its folder if missing) and migrates the index at `path`;
   * `':memory:'` gives a private one. A file from a newer corral is refused (INDEX_TOO_NEW).
   */
  static open(path: string): InstanceIndex {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new BetterSqlite3(path, { timeout: busyTimeoutMs });
    try {
      db.pragma('journal_mode = WAL');
      // WAL with synchronous=NORMAL: a commit is durable across a crash of the process, and
      // can be lost only with the machine; the state dirs still have it, and refresh repairs.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, migrations, path);
      return new InstanceIndex(db, path);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Throws INDEX_TOO_NEW when a newer corral migrated the file since it was opened. */
  checkSchema(): void {
    refuseNewerSchema(this.#db, migrations, this.path);
  }

  /** The connection, for the tables the next features keep here (battles, teams). */
  get database(): Database {
    return this.#db;
  }

  /** Adds or replaces an instance's row; `stamp` names the metadata.json version it came from. */
  upsert(metadata: Metadata, stamp: string | null = null): void {
    this.#put(Metadata.parse(metadata), stamp);
  }

  /** A record already checked against the schema (as loading one does). */
  #put(checked: Metadata, stamp: string | null): void {
    this.#upsert.run(toInstanceRow(checked, stamp, this.#recordFormat()));
  }

  #recordFormat(): string {
    return (this.#format ??= getRecordFormat());
  }

  /** A row's record: as stored when this corral's schema checked it, else checked again. */
  #read = ([record, format]: StoredRecord): Metadata => {
    const json: unknown = JSON.parse(record);
    return format === this.#recordFormat() ? (json as Metadata) : Metadata.parse(json);
  };

  remove(id: string): void {
    this.#remove.run(id);
  }

  get(id: string): Metadata | undefined {
    const row = this.#get.get(id);
    return row === undefined ? undefined : this.#read(row);
  }

  /** The records that answer `query`, in its order (default: newest first). */
  list(query: InstanceQuery = {}): Metadata[] {
    const { sql, params } = compileInstanceQuery(query);
    let statement = this.#queries.get(sql);
    if (!statement) {
      statement = this.#db.prepare<unknown[], StoredRecord>(sql).raw();
      this.#queries.set(sql, statement);
    }
    return statement.all(...params).map(this.#read);
  }

  /** Each indexed id with the stamp of the metadata.json its row was read from. */
  stamps(): Map<string, string | null> {
    return new Map(this.#stamps.all().map((r) => [r.id, r.stamp]));
  }

  /**
   * Recreates the instances table from every readable state dir of `home`, in one
   * transaction (a reader sees the old table or the new one). Unreadable dirs are
   * reported, not fatal. A record written while the dirs were read may be put back at the
   * version read; its stamp then differs from its file's, and the next refresh reads it.
   */
  async rebuild(home: string): Promise<RebuildReport> {
    const scan = await scanStateDirs(home);
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM instances').run();
      for (const r of scan.read) this.#put(r.metadata, r.stamp);
    })();
    return { indexed: scan.read.length, skipped: scan.skipped };
  }

  /**
   * Brings the table up to date with the state dirs of `home`: reads again only the
   * records whose metadata.json is not the version the index last read, drops the rows of
   * state dirs gone or no longer readable. A row another process updated meanwhile (its
   * stamp is no longer the one this scan started from) is left as that process wrote it.
   */
  async refresh(home: string): Promise<RefreshReport> {
    const known = this.stamps();
    const scan = await scanStateDirs(home, known);
    const present = new Set([...scan.unchanged, ...scan.read.map((r) => r.metadata.id)]);
    const report: RefreshReport = { updated: 0, removed: 0, skipped: scan.skipped };
    this.#db.transaction(() => {
      const untouched = (id: string) => (this.#stamp.get(id) ?? null) === (known.get(id) ?? null);
      for (const r of scan.read) {
        if (!untouched(r.metadata.id)) continue;
        this.#put(r.metadata, r.stamp);
        report.updated++;
      }
      for (const id of known.keys()) {
        if (present.has(id) || !untouched(id)) continue;
        this.remove(id);
        report.removed++;
      }
    })();
    return report;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

/** `record` and `record_format` of a row. */
type StoredRecord = [string, string];
