/**
 * Migration 1: the instances table, one row per state dir. The columns are what `ls`
 * filters and sorts on, and what a dashboard shows without parsing; `record` holds the
 * whole metadata.json for everything else, and `record_format` the shape it was checked
 * against (see record-format.ts). `source_stamp` names the version of metadata.json the
 * row was read from, so a reader can tell which rows are behind the
 * state dirs (which stay the truth) without reading every record. Times are milliseconds
 * since the epoch, so sorting and `--since` compare numbers, not date strings.
 */
import type { Migration } from './migration.js';

export const instancesMigration: Migration = {
  version: 1,
  name: 'instances',
  up(db) {
    db.exec(`
      CREATE TABLE instances (
        id                 TEXT PRIMARY KEY,
        name               TEXT,
        status             TEXT    NOT NULL,
        agent              TEXT    NOT NULL,
        backend            TEXT    NOT NULL,
        repo               TEXT    NOT NULL,
        repo_name          TEXT    NOT NULL,
        branch             TEXT    NOT NULL,
        task               TEXT    NOT NULL,
        created_at         INTEGER NOT NULL,
        started_at         INTEGER,
        ended_at           INTEGER,
        duration_ms        INTEGER,
        exit_code          INTEGER,
        input_tokens       INTEGER,
        output_tokens      INTEGER,
        cache_read_tokens  INTEGER,
        cache_write_tokens INTEGER,
        cost_usd           REAL,
        files_changed      INTEGER,
        record             TEXT    NOT NULL,
        record_format      TEXT    NOT NULL,
        source_stamp       TEXT
      ) STRICT;
      CREATE INDEX instances_by_created ON instances (created_at DESC, id);
      CREATE INDEX instances_by_status ON instances (status, created_at DESC);
      CREATE INDEX instances_by_agent ON instances (agent, created_at DESC);
      CREATE INDEX instances_by_repo ON instances (repo, created_at DESC);
      CREATE INDEX instances_by_repo_name ON instances (repo_name, created_at DESC);
    `);
  },
};
