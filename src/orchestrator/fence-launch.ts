/**
 * What changes for an agent when its docker sandbox is fenced behind the gateway
 * (`CORRAL_FENCE=1`, opt-in for now): its model-API endpoints point at the gateway
 * service, its credential variables hold a fixed placeholder, and the real values go only
 * to the gateway (through the backend's `fence.secrets`). The gateway forwards to the
 * host's endpoint (the URL as the host's variable gives it: the gateway shares no loopback
 * with the host) or, when unset, the public API.
 */
import { dirname } from 'node:path';
import type { AgentAdapter } from '../agents/index.js';
import { pickCredentials } from '../agents/host-env.js';
import type { Backend, FenceModel, SandboxFence } from '../backends/backend.js';
import { getFenceEndpoint } from '../backends/docker/index.js';
import type { InstancePaths, Metadata } from '../state/index.js';

/** What the agent holds instead of a real key; the gateway replaces it on the way out. */
export const fencePlaceholderKey = 'corral-placeholder-key';

/** The model APIs the gateway speaks, by the endpoint variable that names them. */
const fencedApis: Record<string, { api: FenceModel['api']; defaultUrl: string }> = {
  ANTHROPIC_BASE_URL: { api: 'anthropic', defaultUrl: 'https://api.anthropic.com' },
  OPENAI_BASE_URL: { api: 'openai', defaultUrl: 'https://api.openai.com/v1' },
};

export interface FenceLaunch {
  fence: SandboxFence;
  /** The agent's endpoint variables, pointing at the gateway. */
  endpoints: Record<string, string>;
  /** The agent's credential variables, each holding the placeholder. */
  credentials: Record<string, string>;
  /** The real credential values, for redaction. */
  secrets: string[];
}

/** Whether `CORRAL_FENCE=1` asks for the fence and this instance can have it. */
export function wantsFence(
  adapter: AgentAdapter,
  metadata: Metadata,
  backend: Backend,
  env: NodeJS.ProcessEnv,
): boolean {
  return (
    env.CORRAL_FENCE === '1' &&
    backend.name === 'docker' &&
    metadata.network === 'open' &&
    adapter.endpointVars.length > 0 &&
    adapter.endpointVars.every((name) => name in fencedApis)
  );
}

/**
 * The fence of one instance. Throws MISSING_CREDENTIAL like an unfenced launch would.
 *
 * @example
 * planFence(claudeAdapter, paths, { ANTHROPIC_API_KEY: 'sk-ant-…' }).endpoints
 * // { ANTHROPIC_BASE_URL: 'http://gateway:8081' }
 */
export function planFence(
  adapter: AgentAdapter,
  paths: InstancePaths,
  env: NodeJS.ProcessEnv,
): FenceLaunch {
  const real = pickCredentials(adapter, env);
  const keyEnv = Object.keys(real)[0];
  const endpoints: Record<string, string> = {};
  const models: FenceModel[] = [];
  for (const name of adapter.endpointVars) {
    const known = fencedApis[name];
    if (!known || !keyEnv) continue;
    // The gateway gets the origin, the agent keeps the path (`/v1` for OpenAI): the gateway
    // appends what the agent sends to the upstream.
    const url = new URL(env[name] || known.defaultUrl);
    const path = url.pathname.replace(/\/+$/, '');
    endpoints[name] = `${getFenceEndpoint(known.api)}${path}`;
    models.push({ api: known.api, upstream: url.origin, keyEnv });
  }
  return {
    fence: {
      stateDir: paths.dir,
      policyDir: dirname(paths.policyFile),
      models,
      secrets: real,
    },
    endpoints,
    credentials: Object.fromEntries(Object.keys(real).map((n) => [n, fencePlaceholderKey])),
    secrets: Object.values(real),
  };
}
