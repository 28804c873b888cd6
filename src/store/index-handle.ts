/**
 * One process's way to the index: opened on first use (a command that never lists or
 * writes a record never loads SQLite), shared by everything in the process, closed once.
 * An index that cannot be read at all can be recreated: it is a cache of the state dirs.
 *
 * A long-lived process (the engine) keeps it open while people act on the file: each use
 * checks that the file is still the one opened and still a database (deleted, replaced or
 * overwritten: it is opened anew) and that no newer corral has migrated it since (refused,
 * as at open).
 */
import { closeSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { InstanceIndex } from './instance-index.js';

export class IndexHandle {
  #index: InstanceIndex | undefined;
  #identity: string | undefined;

  constructor(readonly path: string) {}

  /** The open index; opens (and migrates) it the first time. Throws what opening throws. */
  get(): InstanceIndex {
    if (this.#index && this.#identity !== fileIdentity(this.path)) this.close();
    if (this.#index && !hasDatabaseHeader(this.path)) {
      // Overwritten in place: closing would write our last pages into whatever is there
      // now (SQLite checkpoints on close), so the connection is left open, unused.
      abandoned.push(this.#index);
      this.#index = undefined;
    }
    if (!this.#index) {
      this.#index = InstanceIndex.open(this.path);
      this.#identity = fileIdentity(this.path);
      return this.#index;
    }
    this.#index.checkSchema();
    return this.#index;
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
    this.#identity = undefined;
  }
}

/** Which file is at `path` now (device and inode), or undefined when none is. */
function fileIdentity(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** Connections to files overwritten under them: kept from the collector, which would close them. */
const abandoned: InstanceIndex[] = [];

const header = Buffer.from('SQLite format 3\0', 'latin1');

/** Whether the file at `path` starts as an SQLite database does. */
function hasDatabaseHeader(path: string): boolean {
  if (path === ':memory:') return true;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const bytes = Buffer.alloc(header.length);
    return readSync(fd, bytes, 0, bytes.length, 0) === bytes.length && bytes.equals(header);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether an error came from SQLite itself (a file that is not a database, a full disk, …). */
export function isSqliteError(error: unknown): boolean {
  return error instanceof BetterSqlite3.SqliteError;
}
