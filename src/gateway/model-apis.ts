/**
 * What differs between the model APIs the gateway forwards to, on the way out: which of
 * the agent's credentials are dropped (headers, and for Gemini the `key=` query
 * parameter, request-target.ts), how the real key is added, and how an error the gateway
 * itself answers looks, so the agent's client reads it as one of its API's own.
 *
 * - anthropic (Messages): `x-api-key`, or `Authorization: Bearer` with the OAuth beta for
 *   an OAuth token (`sk-ant-oat…`).
 * - openai (Responses, Chat Completions): `Authorization: Bearer`.
 * - google (Gemini `generateContent` / `streamGenerateContent`, as the Gemini CLI calls it
 *   through `GOOGLE_GEMINI_BASE_URL`): `x-goog-api-key`.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { endToEndHeaders } from './hop-headers.js';
import type { ModelApi } from '../protocol/usage-record.js';

/** How the real key is sent upstream. */
export type KeyAuth = 'x-api-key' | 'bearer' | 'x-goog-api-key';

/** Headers that carry a credential, tell upstream too much or change the call; never forwarded. */
const agentCredentials = [
  'x-api-key',
  // Method overrides: the call upstream acts on is the one the gateway checked.
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-goog-api-key',
  'authorization',
  'cookie',
  'host',
  'accept-encoding',
];
const oauthBeta = 'oauth-2025-04-20';

/** How `key` is sent to `api`; `auth` is a choice for Anthropic only. */
export function getKeyAuth(api: ModelApi, key: string, auth?: KeyAuth): KeyAuth {
  switch (api) {
    case 'openai':
      return 'bearer';
    case 'google':
      return 'x-goog-api-key';
    case 'anthropic':
      return auth ?? (key.startsWith('sk-ant-oat') ? 'bearer' : 'x-api-key');
  }
}

/** The agent's headers without its credentials, with the real key for `target`. */
export function getUpstreamHeaders(
  req: IncomingMessage,
  api: ModelApi,
  key: string,
  auth: KeyAuth,
  target: URL,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = endToEndHeaders(req.headers, agentCredentials);
  headers.host = target.host;
  // Usage is read from the bytes going past: ask for them uncompressed.
  headers['accept-encoding'] = 'identity';
  if (auth === 'bearer') headers.authorization = `Bearer ${key}`;
  else headers[auth] = key;
  if (api === 'anthropic' && auth === 'bearer') {
    const beta = String(headers['anthropic-beta'] ?? '');
    if (
      !beta
        .split(',')
        .map((b) => b.trim())
        .includes(oauthBeta)
    ) {
      headers['anthropic-beta'] = beta ? `${beta},${oauthBeta}` : oauthBeta;
    }
  }
  return headers;
}

/** What kind of answer the gateway itself gives (model-gateway.ts decides which). */
export type GatewayErrorKind = 'forbidden' | 'budget' | 'rate' | 'too-large' | 'upstream';

export interface GatewayError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const statusOf: Record<GatewayErrorKind, number> = {
  forbidden: 403,
  budget: 429,
  rate: 429,
  'too-large': 413,
  upstream: 502,
};

const anthropicTypes: Record<GatewayErrorKind, string> = {
  forbidden: 'permission_error',
  budget: 'rate_limit_error',
  rate: 'rate_limit_error',
  'too-large': 'request_too_large',
  upstream: 'api_error',
};

const openaiTypes: Record<GatewayErrorKind, { type: string; code: string | null }> = {
  forbidden: { type: 'invalid_request_error', code: 'permission_denied' },
  budget: { type: 'insufficient_quota', code: 'insufficient_quota' },
  rate: { type: 'requests', code: 'rate_limit_exceeded' },
  'too-large': { type: 'invalid_request_error', code: 'request_too_large' },
  upstream: { type: 'server_error', code: null },
};

const googleStatus: Record<GatewayErrorKind, string> = {
  forbidden: 'PERMISSION_DENIED',
  budget: 'RESOURCE_EXHAUSTED',
  rate: 'RESOURCE_EXHAUSTED',
  'too-large': 'INVALID_ARGUMENT',
  upstream: 'UNAVAILABLE',
};

/**
 * An answer the gateway itself gives, shaped like one of `api`'s own so the agent's CLI
 * reads it as such. A spent budget is the API's quota error in the form each CLI takes as
 * final rather than retrying (measured on the pinned versions): Anthropic's 429
 * `rate_limit_error` with `x-should-retry: false` (without it Claude Code retries ten times
 * over minutes); OpenAI's 429 `insufficient_quota` (Codex: "Quota exceeded", no retry);
 * Gemini's 429 `RESOURCE_EXHAUSTED` whose `QuotaFailure` names a daily quota (Gemini CLI
 * retries any other 429). A flood past `--rpm` is the plain, retryable rate-limit error.
 */
export function getGatewayError(
  api: ModelApi,
  kind: GatewayErrorKind,
  message: string,
): GatewayError {
  const status = statusOf[kind];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (kind === 'rate') headers['retry-after'] = '10';
  switch (api) {
    case 'anthropic':
      if (kind === 'budget') headers['x-should-retry'] = 'false';
      return {
        status,
        headers,
        body: JSON.stringify({ type: 'error', error: { type: anthropicTypes[kind], message } }),
      };
    case 'openai':
      return {
        status,
        headers,
        body: JSON.stringify({ error: { message, ...openaiTypes[kind], param: null } }),
      };
    case 'google': {
      const details =
        kind === 'budget'
          ? [
              {
                '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
                violations: [
                  {
                    quotaMetric: 'corral/instance-budget',
                    quotaId: 'CorralInstanceBudgetPerDay',
                    description: message,
                  },
                ],
              },
            ]
          : kind === 'rate'
            ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '10s' }]
            : [];
      return {
        status,
        headers,
        body: JSON.stringify({
          error: {
            code: status,
            message,
            status: googleStatus[kind],
            ...(details.length ? { details } : {}),
          },
        }),
      };
    }
  }
}
