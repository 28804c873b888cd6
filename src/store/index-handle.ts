/**
 * One process's way to the index: opened on first use (a command that never lists or
 * writes a record never loads SQLite), shared by everything in the process, closed once.
 * An index that cannot be read at all can be recreated: it is a cache of the state dirs.
 */
import { rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { InstanceIndex } from './instance-index.js';

export class IndexHandle {
  #index: InstanceIndex | undefined;

  constructor(readonly path: string) {}

  /** The open index; opens (and migrates) it the first time. Throws what opening throws. */
  get(): InstanceIndex {
    return (this.#index ??= InstanceIndex.open(this.path));
  }

  /** Removes the file (with its WAL) and opens a new, empty index in its place. */
  recreate(): InstanceIndex {
    this.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(this.path + suffix, { force: true });
    return this.get();
  }

  close(): void {
    this.#index?.close();
    this.#index = undefined;
  }
}

/** Whether an error came from SQLite itself (a file that is not a database, a full disk, …). */
export function isSqliteError(error: unknown): boolean {
  return error instanceof BetterSqlite3.SqliteError;
}
