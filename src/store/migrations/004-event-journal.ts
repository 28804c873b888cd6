/**
 * Migration 4: the event journal, which gives every event of every instance a place in
 * one stream (`gseq`), the stable id of the all-instances event stream. An event is named
 * by its instance and its sequence number in that instance's log (events.ndjson holds the
 * event itself). AUTOINCREMENT so that a gseq is never handed out again, even after old
 * rows are deleted. `journal_cursors` keeps the last seq journaled per instance: it makes
 * appending an event twice a no-op and tells a restarted engine where each log goes on,
 * at the cost of one row per instance and batch instead of a unique index over every
 * event (which halves the append rate: bench/index.mjs).
 */
import type { Migration } from './migration.js';

export const eventJournalMigration: Migration = {
  version: 4,
  name: 'event-journal',
  up(db) {
    db.exec(`
      CREATE TABLE event_journal (
        gseq        INTEGER PRIMARY KEY AUTOINCREMENT,
        instance_id TEXT    NOT NULL,
        seq         INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE journal_cursors (
        instance_id TEXT    PRIMARY KEY,
        last_seq    INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
