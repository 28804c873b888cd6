/**
 * Migration 3: teams (role-based instances working a task queue) and their tasks. A task
 * is handed out by lease: `holder` (the instance working it) and `lease_expires_at`; one
 * whose lease ran out goes back to the queue and `attempts` counts how often it was
 * taken, so a task that keeps failing can be given up. The index on (team, status, lease)
 * is the one the claim query walks.
 */
import type { Migration } from './migration.js';

export const teamsMigration: Migration = {
  version: 3,
  name: 'teams',
  up(db) {
    db.exec(`
      CREATE TABLE teams (
        id         TEXT PRIMARY KEY,
        name       TEXT,
        repo       TEXT    NOT NULL,
        status     TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        ended_at   INTEGER,
        record     TEXT    NOT NULL
      ) STRICT;
      CREATE TABLE team_tasks (
        team_id          TEXT    NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        id               TEXT    NOT NULL,
        role             TEXT,
        title            TEXT    NOT NULL,
        status           TEXT    NOT NULL,
        holder           TEXT,
        lease_expires_at INTEGER,
        attempts         INTEGER NOT NULL DEFAULT 0,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        record           TEXT    NOT NULL,
        PRIMARY KEY (team_id, id)
      ) STRICT;
      CREATE INDEX team_tasks_by_claim ON team_tasks (team_id, status, lease_expires_at);
    `);
  },
};
