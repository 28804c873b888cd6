/**
 * Brings an index database to the schema this corral knows: reads `PRAGMA user_version`
 * and applies the migrations after it, in order, each in its own IMMEDIATE transaction
 * that also sets the new version — so two processes opening the same file at once (the
 * engine, and a command run with the engine inline) never both apply one, and a crash
 * leaves the database at a whole version. A database from a newer corral is refused: an
 * older one does not know what its newer tables mean.
 */
import type { Database } from 'better-sqlite3';
import { CorralError } from '../lib/errors.js';
import type { Migration } from './migrations/index.js';

export interface MigrationResult {
  from: number;
  to: number;
}

export function getSchemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies what is missing of `migrations` (numbered 1, 2, … with no gap) to `db`.
 * `where` names the database in the error a newer one gets.
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[],
  where: string,
): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`index migration ${m.name} is number ${m.version}, expected ${i + 1}`);
  });
  const latest = migrations.length;
  const from = getSchemaVersion(db);
  refuseNewer(from, latest, where);
  // Read without a lock first: the common case, an up-to-date file, takes no write lock.
  if (from === latest) return { from, to: latest };
  const step = db.transaction((): boolean => {
    const current = getSchemaVersion(db);
    refuseNewer(current, latest, where);
    const next = migrations[current];
    if (!next) return false;
    next.up(db);
    db.pragma(`user_version = ${next.version}`);
    return true;
  });
  while (step.immediate()) {
    // one migration per transaction, until none is left
  }
  return { from, to: latest };
}

/** Throws INDEX_TOO_NEW when `db` is now at a schema newer than `migrations` know. */
export function refuseNewerSchema(
  db: Database,
  migrations: readonly Migration[],
  where: string,
): void {
  refuseNewer(getSchemaVersion(db), migrations.length, where);
}

function refuseNewer(version: number, latest: number, where: string): void {
  if (version > latest) {
    throw new CorralError(
      'INDEX_TOO_NEW',
      `The index ${where} was written by a newer corral (index schema ${version}; this one knows up to ${latest}).`,
      {
        hint: 'Upgrade corral. (The index is a cache of the state dirs: moving the file away lets this version rebuild it.)',
      },
    );
  }
}
