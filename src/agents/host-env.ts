/**
 * What an agent takes from the host environment, and nothing more: the credentials its
 * adapter declares (the first complete set; none is an error before any sandbox starts),
 * and its model-API endpoints, with a loopback address rewritten to the host as the
 * sandbox sees it so a model server on the developer's machine works.
 */
import { CorralError } from '../lib/errors.js';
import type { AgentAdapter } from './agent.js';

export function pickCredentials(
  adapter: AgentAdapter,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  if (adapter.credentials.length === 0) return {};
  for (const set of adapter.credentials) {
    if (set.every((name) => (env[name] ?? '') !== '')) {
      return Object.fromEntries(set.map((name) => [name, env[name] ?? '']));
    }
  }
  const wanted = adapter.credentials.map((set) => set.join(' + ')).join(' or ');
  throw new CorralError(
    'MISSING_CREDENTIAL',
    `The ${adapter.name} agent needs ${wanted}, and none is set.`,
    {
      hint: `Export it (export ${adapter.credentials[0]?.[0] ?? 'KEY'}=…) and run again.`,
    },
  );
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0']);

/** Rewrites a loopback host in `url` to `hostAlias` (e.g. host.docker.internal); other URLs unchanged. */
export function rewriteLoopback(url: string, hostAlias: string | null): string {
  if (!hostAlias) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!loopbackHosts.has(parsed.hostname) && !parsed.hostname.startsWith('127.')) return url;
  parsed.hostname = hostAlias;
  const out = parsed.toString();
  // URL adds a trailing slash to a bare origin; keep the user's form.
  return url.endsWith('/') || !out.endsWith('/') ? out : out.slice(0, -1);
}

export function pickEndpoints(
  adapter: AgentAdapter,
  env: NodeJS.ProcessEnv,
  hostAlias: string | null,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of adapter.endpointVars) {
    const value = env[name];
    if (value) out[name] = rewriteLoopback(value, hostAlias);
  }
  return out;
}

/** The hosts an agent must reach: its endpoints' `host:port`, or its API's default hosts. */
export function hostsToAllow(adapter: AgentAdapter, endpoints: Record<string, string>): string[] {
  const hosts = new Set<string>();
  for (const url of Object.values(endpoints)) {
    try {
      const u = new URL(url);
      const port = u.port || (u.protocol === 'http:' ? '80' : '443');
      hosts.add(`${u.hostname}:${port}`);
    } catch {
      // not a URL: nothing to allow
    }
  }
  if (hosts.size === 0) for (const h of adapter.apiHosts ?? []) hosts.add(h);
  return [...hosts];
}
