/**
 * The local backend: sandboxes that are host processes fenced by bubblewrap through
 * `@anthropic-ai/sandbox-runtime`, for hosts without a container engine.
 */
export { LocalBackend, type LocalBackendOptions } from './local-backend.js';
export type { LocalSandbox } from './local-sandbox.js';
export type { LocalProcess } from './local-process.js';
