/**
 * What changes for an instance whose docker sandbox is fenced behind the gateway (every
 * docker instance with a way out: an agent reaching its model API, or a command given
 * `--allow-host`): its model-API endpoints point at the gateway service, its credential
 * variables hold a fixed placeholder, and the real values go only to the gateway (through
 * the backend's `fence.secrets`). The gateway forwards to the endpoint the host's variable
 * names (a loopback address rewritten to the host as a container sees it) or, when unset,
 * the public API.
 */
import { dirname } from 'node:path';
import type { AgentAdapter } from '../agents/index.js';
import { pickCredentials, rewriteLoopback } from '../agents/host-env.js';
import { fencePlaceholderKey } from '../agents/placeholder-key.js';
import type { Backend, FenceModel, SandboxFence } from '../backends/backend.js';
import { getFenceEndpoint } from '../backends/docker/index.js';
import { CorralError } from '../lib/errors.js';
import type { InstancePaths, Metadata } from '../state/index.js';

export { fencePlaceholderKey };

/** The model APIs the gateway speaks, by the endpoint variable that names them. */
const fencedApis: Record<string, { api: FenceModel['api']; defaultUrl: string }> = {
  ANTHROPIC_BASE_URL: { api: 'anthropic', defaultUrl: 'https://api.anthropic.com' },
  OPENAI_BASE_URL: { api: 'openai', defaultUrl: 'https://api.openai.com/v1' },
  GOOGLE_GEMINI_BASE_URL: {
    api: 'google',
    defaultUrl: 'https://generativelanguage.googleapis.com',
  },
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

/** Whether this instance runs fenced: a docker sandbox with a way out. */
export function wantsFence(metadata: Metadata, backend: Backend): boolean {
  return backend.name === 'docker' && metadata.network === 'open';
}

/**
 * The fence of one instance. Throws MISSING_CREDENTIAL like an unfenced launch would, and
 * USAGE for an agent whose model API the gateway does not speak (its key would have to
 * enter the sandbox).
 *
 * @example
 * planFence(claudeAdapter, paths, { ANTHROPIC_API_KEY: 'sk-ant-…' }, 'host.docker.internal').endpoints
 * // { ANTHROPIC_BASE_URL: 'http://gateway:8081' }
 */
export function planFence(
  adapter: AgentAdapter,
  paths: InstancePaths,
  env: NodeJS.ProcessEnv,
  hostAlias: string | null,
): FenceLaunch {
  const real = pickCredentials(adapter, env);
  const keyEnv = Object.keys(real)[0];
  const endpoints: Record<string, string> = {};
  const models: FenceModel[] = [];
  for (const name of adapter.endpointVars) {
    const known = fencedApis[name];
    if (!known) {
      throw new CorralError(
        'USAGE',
        `The gateway does not speak the model API of the ${adapter.name} agent (${name}), so its key cannot be kept out of the sandbox.`,
        { hint: 'Run it with --backend local.' },
      );
    }
    if (!keyEnv) continue;
    // The gateway gets the origin, the agent keeps the path (`/v1` for OpenAI): the gateway
    // appends what the agent sends to the upstream.
    const url = new URL(rewriteLoopback(env[name] || known.defaultUrl, hostAlias));
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
