/**
 * The dashboard's client of the engine's HTTP API: one function per route it uses, each a
 * plain `fetch` to the same origin (the session cookie authenticates it), JSON in and out.
 * An error response becomes an ApiError carrying the engine's code, message and hint, which
 * the pages show as they are (as text).
 */
import type {
  BattleRecord,
  BattleResults,
  DiffResult,
  EngineStatus,
  InstanceRequest,
  MergeBattleResult,
  Metadata,
  PolicyInfo,
} from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string | undefined,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; hint?: string } } | null)
      ?.error;
    throw new ApiError(res.status, e?.code ?? 'HTTP', e?.message ?? `HTTP ${res.status}`, e?.hint);
  }
  return json as T;
}

const at = (ref: string) => `/v1/instances/${encodeURIComponent(ref)}`;
const battleAt = (id: string) => `/v1/battles/${encodeURIComponent(id)}`;

/** The browser has none of the user's environment: requests carry none, and the engine fills
 * in what `corral serve`'s shell lent it (src/server/lent-env.ts). */
const env = {};

export const api = {
  /** Trades the token for the session cookie. */
  startSession: async (token: string): Promise<boolean> => {
    const res = await fetch('/v1/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { authorization: `Bearer ${token}` },
    });
    return res.ok;
  },
  engine: () => call<EngineStatus>('GET', '/v1/engine'),
  listInstances: async () =>
    (await call<{ instances: Metadata[] }>('GET', '/v1/instances')).instances,
  getInstance: async (ref: string) => (await call<{ instance: Metadata }>('GET', at(ref))).instance,
  stop: (ref: string) => call<{ instance: Metadata }>('POST', `${at(ref)}/stop`),
  resume: (ref: string, prompt: string) =>
    call<{ instance: Metadata }>('POST', `${at(ref)}/resume`, {
      ...(prompt ? { prompt } : {}),
      interactive: false,
      env,
      start: true,
    }),
  remove: (ref: string) => call<{ instance: Metadata }>('DELETE', at(ref)),
  push: (ref: string, remote: string, cwd: string) =>
    call<{ branch: string; remote: string; commit: string }>('POST', `${at(ref)}/push`, {
      remote,
      pullRequest: false,
      cwd,
      env,
    }),
  /** Against the base, or (`turn`) only what the latest run changed. */
  diff: (ref: string, since: 'base' | 'turn' = 'base') =>
    call<DiffResult>('GET', `${at(ref)}/diff?since=${since}`),
  policy: (ref: string) => call<PolicyInfo>('GET', `${at(ref)}/policy`),
  editPolicy: (ref: string, change: 'allow' | 'deny', hosts: string[]) =>
    call<PolicyInfo>('POST', `${at(ref)}/policy`, { change, hosts }),
  listRequests: async (all = false) =>
    (await call<{ requests: InstanceRequest[] }>('GET', `/v1/requests${all ? '?all=true' : ''}`))
      .requests,
  approve: (ref: string, n: number) =>
    call<unknown>('POST', `${at(ref)}/requests/${n}/approve`, { resume: true, env }),
  reject: (ref: string, n: number, reason: string | null) =>
    call<unknown>('POST', `${at(ref)}/requests/${n}/reject`, { reason }),
  listBattles: async () => (await call<{ battles: BattleRecord[] }>('GET', '/v1/battles')).battles,
  getBattle: async (id: string) =>
    (await call<{ battle: BattleRecord }>('GET', battleAt(id))).battle,
  battleResults: (id: string) => call<BattleResults>('GET', `${battleAt(id)}/results`),
  /** Merges the winner, or `contestant`, where the battle started; the others' branches archived. */
  mergeBattle: (id: string, contestant: string | null) =>
    call<MergeBattleResult>('POST', `${battleAt(id)}/merge`, {
      ...(contestant ? { contestant } : {}),
      prune: false,
    }),
};

/** What to show for a failed call: the engine's message and hint. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError)
    return error.hint ? `${error.message} ${error.hint}` : error.message;
  return error instanceof Error ? error.message : String(error);
}
