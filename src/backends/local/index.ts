/**
 * The local backend: sandboxes that are host processes fenced by bubblewrap through
 * `@anthropic-ai/sandbox-runtime`, for hosts without a container engine.
 */
export { LocalBackend, type LocalBackendOptions } from './local-backend.js';
export { LocalSandbox } from './local-sandbox.js';
export { LocalProcess } from './local-process.js';
export { buildFence, type FenceInput } from './fence.js';
