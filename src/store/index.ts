/**
 * The store: a SQLite index over the state dirs (rebuildable from them, which stay the
 * truth), with numbered migrations. Instances now; battles, teams and the all-instances
 * event journal have their tables ready.
 */
export * from './instance-index.js';
export * from './index-handle.js';
export * from './instance-query.js';
export * from './event-journal.js';
export * from './battle-table.js';
export { getSchemaVersion, migrate, type MigrationResult } from './migrate.js';
export { migrations, type Migration } from './migrations/index.js';
export { scanStateDirs, type SkippedStateDir, type StateDirScan } from './scan-state-dirs.js';
