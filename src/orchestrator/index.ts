/** Orchestrator: instance lifecycle, supervision, gc. */
export * from './orchestrator.js';
export * from './instance-store.js';
export * from './instance-queries.js';
export * from './supervise.js';
export * from './gc.js';
export * from './follow.js';
export * from './push/index.js';
export * from './requests/index.js';
export * from './allow-presets.js';
