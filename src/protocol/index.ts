/**
 * What the gateway and the host say to each other, low enough for events, state and the
 * backends to use without loading the gateway: the records it writes (egress, model usage,
 * refused model calls) and the model policy it enforces. The gateway is a program of its
 * own; only these shapes are shared.
 */
export * from './egress-record.js';
export * from './usage-record.js';
export * from './model-policy.js';
export * from './model-denial-record.js';
