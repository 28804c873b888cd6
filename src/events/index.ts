/** Events: the union, its NDJSON log. */
export * from './events.js';
export * from './event-log.js';
export * from './event-bus.js';
export * from './line-splitter.js';
