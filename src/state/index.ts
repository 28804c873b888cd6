/** State: where things live on disk and the instance record. */
export * from './paths.js';
export * from './enforced-limits.js';
export * from './metadata.js';
export * from './instance-ids.js';
export * from './relaxations.js';
export * from './supervisor-process.js';
export * from './status-machine.js';
