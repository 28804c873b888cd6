/** Workspace: source repo checks, base snapshots, provisioning, bring-back and diffs. */
export * from './source-repo.js';
export * from './snapshot.js';
export * from './provision.js';
export { listOrphanedCaches } from './object-cache.js';
export * from './bring-back.js';
export * from './bring-back-script.js';
export * from './diff.js';
export { git, gitOut } from './git.js';
export { corralIdentity, withTempIndex } from './plumbing.js';
export * from './push/index.js';
