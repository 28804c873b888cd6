/**
 * The gateway sidecar: the egress proxy with its live allowlist, and the model-API
 * gateway that adds the real key on the way out. `main.ts` runs them in a container; the
 * host side uses `allowHost` / `denyHost` to edit a running instance's policy.
 */
export * from '../protocol/index.js';
export * from './host-pattern.js';
export * from './egress-policy.js';
export * from './policy-edit.js';
export * from './policy-watcher.js';
export * from '../protocol/egress-record.js';
export * from './egress-proxy.js';
export * from '../protocol/usage-record.js';
export * from './usage-meter.js';
export * from './usage-cost.js';
export * from '../protocol/model-policy.js';
export * from '../protocol/model-denial-record.js';
export * from './model-api-allowlist.js';
export * from './model-spend.js';
export * from './model-gateway.js';
export * from './gateway-config.js';
export * from './gateway-keys.js';
export * from './request-grammar.js';
export * from './request-record.js';
export * from './request-server.js';
export * from './start-gateway.js';
