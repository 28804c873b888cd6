/**
 * Migration 2: battles (N instances, one task, one base, graded and ranked) and their
 * contestants. A contestant names its instance by id without a foreign key: the instances
 * table is a cache that `index rebuild` empties and refills, which must not take the
 * battles with it. `record` keeps what the columns do not (the grading command, the base…).
 */
import type { Migration } from './migration.js';

export const battlesMigration: Migration = {
  version: 2,
  name: 'battles',
  up(db) {
    db.exec(`
      CREATE TABLE battles (
        id         TEXT PRIMARY KEY,
        repo       TEXT    NOT NULL,
        task       TEXT    NOT NULL,
        status     TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        ended_at   INTEGER,
        record     TEXT    NOT NULL
      ) STRICT;
      CREATE INDEX battles_by_created ON battles (created_at DESC);
      CREATE TABLE battle_contestants (
        battle_id   TEXT NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
        instance_id TEXT NOT NULL,
        name        TEXT NOT NULL,
        agent       TEXT NOT NULL,
        model       TEXT,
        grade       TEXT,
        rank        INTEGER,
        PRIMARY KEY (battle_id, instance_id)
      ) STRICT;
      CREATE INDEX battle_contestants_by_instance ON battle_contestants (instance_id);
    `);
  },
};
