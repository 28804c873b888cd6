/**
 * What changes for an instance whose sandbox is fenced behind a gateway sidecar (on a
 * backend whose egress is one, docker's: every instance with a way out, an agent reaching
 * its model API or a command given `--allow-host`): its model-API endpoints point at the gateway service, its credential
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
import { CorralError } from '../lib/errors.js';
import type { InstancePaths, Metadata } from '../state/index.js';

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

/** The model APIs of `adapter` the gateway speaks (for `corral policy`'s list of its calls). */
export function getAgentApis(adapter: AgentAdapter): Array<FenceModel['api']> {
  return adapter.endpointVars.flatMap((name) => {
    const known = fencedApis[name];
    return known ? [known.api] : [];
  });
}

/** Whether the gateway speaks every model API of `adapter` (so its key can stay out). */
export function canKeepKeyOut(adapter: AgentAdapter): boolean {
  return adapter.endpointVars.every((name) => name in fencedApis);
}

/** Whether this instance runs fenced: a way out, through a gateway beside its sandbox. */
export function wantsFence(metadata: Metadata, backend: Backend): boolean {
  return backend.egress.kind === 'sidecar' && metadata.network === 'open';
}

/** One model API an agent reaches: which variable names it, where it really is. */
export interface ModelRoute {
  /** The agent's endpoint variable, e.g. `OPENAI_BASE_URL`. */
  endpointVar: string;
  api: FenceModel['api'];
  /** The real API's origin (a loopback host rewritten to `hostAlias`). */
  upstream: string;
  /** The path the agent keeps on its side (`/v1` for OpenAI), no trailing slash. */
  path: string;
}

/**
 * The model APIs of an agent and the real credentials for them. Throws MISSING_CREDENTIAL
 * like an unfenced launch would, and USAGE for an agent whose model API the gateway does
 * not speak (its key would have to enter the sandbox).
 */
export function planModelRoutes(
  adapter: AgentAdapter,
  env: NodeJS.ProcessEnv,
  hostAlias: string | null,
): { routes: ModelRoute[]; real: Record<string, string> } {
  const real = pickCredentials(adapter, env);
  const routes: ModelRoute[] = [];
  if (Object.keys(real).length === 0) return { routes, real };
  for (const name of adapter.endpointVars) {
    const known = fencedApis[name];
    if (!known) {
      throw new CorralError(
        'USAGE',
        `The gateway does not speak the model API of the ${adapter.name} agent (${name}), so its key cannot be kept out of the sandbox.`,
      );
    }
    // The gateway gets the origin, the agent keeps the path: the gateway appends what the
    // agent sends to the upstream.
    const url = new URL(rewriteLoopback(env[name] || known.defaultUrl, hostAlias));
    routes.push({
      endpointVar: name,
      api: known.api,
      upstream: url.origin,
      path: url.pathname.replace(/\/+$/, ''),
    });
  }
  return { routes, real };
}

/** The placeholder in every credential variable the agent would hold. */
export function getPlaceholderCredentials(real: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(real).map((n) => [n, fencePlaceholderKey]));
}

/**
 * The fence of one instance behind a sidecar: its endpoints point at the gateway service.
 *
 * @example
 * planFence(claudeAdapter, paths, { ANTHROPIC_API_KEY: 'sk-ant-…' }, dockerBackend).endpoints
 * // { ANTHROPIC_BASE_URL: 'http://gateway:8081' }
 */
export function planFence(
  adapter: AgentAdapter,
  paths: InstancePaths,
  env: NodeJS.ProcessEnv,
  backend: Pick<Backend, 'hostAlias' | 'egress'>,
): FenceLaunch {
  const { egress } = backend;
  if (egress.kind !== 'sidecar') throw new CorralError('INTERNAL', 'planFence needs a sidecar.');
  const { routes, real } = planModelRoutes(adapter, env, backend.hostAlias);
  const keyEnv = Object.keys(real)[0] ?? '';
  return {
    fence: {
      stateDir: paths.dir,
      policyDir: dirname(paths.policyFile),
      models: routes.map((r) => ({ api: r.api, upstream: r.upstream, keyEnv, pathPrefix: r.path })),
      secrets: real,
    },
    endpoints: Object.fromEntries(
      routes.map((r) => [r.endpointVar, `${egress.modelEndpoint(r.api)}${r.path}`]),
    ),
    credentials: getPlaceholderCredentials(real),
    secrets: Object.values(real),
  };
}
