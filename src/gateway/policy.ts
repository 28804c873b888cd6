/**
 * The host side's view of the gateway: the egress policy file, its grammar, its atomic
 * edits and its live watcher, the agent's requests (their grammar and their files), and
 * the model policy (what an instance may call and spend) with the refusals it logs. The
 * orchestrator imports this rather than `index.ts`, so a `corral` command does not load
 * the proxy and the model gateway it never runs.
 */
export * from './host-pattern.js';
export * from './egress-policy.js';
export * from './policy-edit.js';
export * from './policy-watcher.js';
export * from './request-grammar.js';
export * from './request-record.js';
export * from '../protocol/model-policy.js';
export * from '../protocol/model-denial-record.js';
export { apiBasePaths, listBuiltInCalls } from './model-api-allowlist.js';
