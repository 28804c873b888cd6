/** Events: the union, its NDJSON log. */
export * from './events.js';
export * from './event-log.js';
export * from './event-sink.js';
export * from './line-splitter.js';
