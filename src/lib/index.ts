/** Helpers with no domain knowledge. */
export * from './errors.js';
export * from './exec.js';
export * from './id.js';
export * from './duration.js';
export * from './fs-atomic.js';
export * from './lock.js';
export * from './jsonc.js';
