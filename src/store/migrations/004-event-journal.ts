/**
 * Migration 4: the event journal, which gives every event of every instance a place in
 * one stream (`gseq`), the stable id of the all-instances event stream. An event is named
 * by its instance and its sequence number in that instance's log (events.ndjson holds the
 * event itself); the pair is unique, so appending an event twice is a no-op. AUTOINCREMENT
 * so that a gseq is never handed out again, even after old rows are deleted.
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
        seq         INTEGER NOT NULL,
        UNIQUE (instance_id, seq)
      ) STRICT;
    `);
  },
};
