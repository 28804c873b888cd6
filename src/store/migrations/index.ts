/** The index's migrations, in order. A new one goes at the end with the next number. */
import type { Migration } from './migration.js';
import { instancesMigration } from './001-instances.js';
import { battlesMigration } from './002-battles.js';
import { teamsMigration } from './003-teams.js';
import { eventJournalMigration } from './004-event-journal.js';

export type { Migration } from './migration.js';

export const migrations: readonly Migration[] = [
  instancesMigration,
  battlesMigration,
  teamsMigration,
  eventJournalMigration,
];
