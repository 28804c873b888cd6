/**
 * What differs between the model APIs the gateway forwards to, on the way out: which of
 * the agent's credentials are dropped (headers, and for Gemini the `key=` query
 * parameter), how the real key is added, and how an error the gateway itself answers
 * looks, so the agent's client reads it as one of its API's own.
 *
 * - anthropic (Messages): `x-api-key`, or `Authorization: Bearer` with the OAuth beta for
 *   an OAuth token (`sk-ant-oat…`).
 * - openai (Responses, Chat Completions): `Authorization: Bearer`.
 * - google (Gemini `generateContent` / `streamGenerateContent`, as the Gemini CLI calls it
 *   through `GOOGLE_GEMINI_BASE_URL`): `x-goog-api-key`.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { endToEndHeaders } from './hop-headers.js';
import type { ModelApi } from './usage-record.js';

/** How the real key is sent upstream. */
export type KeyAuth = 'x-api-key' | 'bearer' | 'x-goog-api-key';

/** Headers that carry a credential (or would tell upstream too much); never forwarded. */
const agentCredentials = [
  'x-api-key',
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

function isKeyParam(part: string): boolean {
  const name = part.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(name.replace(/\+/g, ' ')) === 'key';
  } catch {
    return false;
  }
}

/**
 * The query string (without `?`) to send upstream: as the agent sent it, byte for byte,
 * except that Gemini's `key` parameter (a credential) is dropped.
 *
 * @example
 * getUpstreamSearch('google', 'alt=sse&key=AIza-placeholder') // 'alt=sse'
 */
export function getUpstreamSearch(api: ModelApi, search: string): string {
  if (api !== 'google') return search;
  return search
    .split('&')
    .filter((part) => part !== '' && !isKeyParam(part))
    .join('&');
}

/** An error the gateway itself answers, shaped like one of `api`'s own. */
export function getErrorBody(api: ModelApi, status: number, message: string): string {
  switch (api) {
    case 'anthropic':
      return JSON.stringify({ type: 'error', error: { type: 'api_error', message } });
    case 'openai':
      return JSON.stringify({ error: { type: 'server_error', message, code: null } });
    case 'google':
      return JSON.stringify({
        error: {
          code: status,
          message,
          status: status === 400 ? 'INVALID_ARGUMENT' : 'UNAVAILABLE',
        },
      });
  }
}
