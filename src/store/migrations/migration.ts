/**
 * What one numbered migration of the index is: the schema version it brings the database
 * to, and the statements that get it there from the version before. Applied in order, each
 * in its own transaction (src/store/migrate.ts); never edited once released: a change is a
 * new migration.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  /** The schema version after it (`PRAGMA user_version`): 1, 2, 3, … with no gap. */
  version: number;
  name: string;
  up(db: Database): void;
}
