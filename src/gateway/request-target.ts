/**
 * Reads the target of a request to the model gateway strictly, so the path it checks is
 * the path upstream acts on: an origin-form path of plain segments — no `.` or `..`
 * segment, no empty one (`//`, a trailing `/`), no `%` escape at all (none of the
 * supported CLIs sends one; an encoded `/` or `.` is how a path is made to mean two
 * things), no backslash, no control character — under the agent's base path. The query is
 * split into parameters whose names are checked against the call's rule; for Gemini the
 * `key` parameter (a credential) is dropped before anything else. What is forwarded is the
 * path as checked and the query without `key`, byte for byte.
 */
import { apiBasePaths } from './model-api-allowlist.js';
import type { ModelApi } from '../protocol/usage-record.js';

const segmentChars = /^[A-Za-z0-9._~:@!$&'()*+,;=-]+$/;
const queryChars = /^[A-Za-z0-9._~:@!$&'()*+,;=%/?-]*$/;

export interface RequestTarget {
  /** The path as the agent sent it (checked), forwarded after the upstream's base path. */
  path: string;
  /** The same call as the API's documentation spells it (the agent's base path swapped for the API's). */
  apiPath: string;
  /** The query to forward, without `?` (empty: none). */
  search: string;
  /** Names of the query's parameters, decoded. */
  queryNames: string[];
}

export type TargetResult = { ok: true; target: RequestTarget } | { ok: false; why: string };

function decodeName(part: string): string | null {
  const name = part.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/**
 * Checks `rawUrl` (the request line's target) for `api`, whose agent-side base path is
 * `pathPrefix` (`/v1` for an OpenAI base URL ending in `/v1`, else usually empty).
 *
 * @example
 * readRequestTarget('openai', '/v1/responses', '/v1')     // ok, apiPath '/v1/responses'
 * readRequestTarget('anthropic', '/v1/%2e%2e/files', '')  // { ok: false, why: 'the path has a % escape' }
 */
export function readRequestTarget(api: ModelApi, rawUrl: string, pathPrefix: string): TargetResult {
  if (!rawUrl.startsWith('/')) return { ok: false, why: 'the target is not an origin-form path' };
  const [path = '', rawSearch] = rawUrl.split(/\?(.*)/s, 2);
  if (path.includes('%')) return { ok: false, why: 'the path has a % escape' };
  const segments = path.split('/').slice(1);
  for (const segment of segments) {
    if (segment === '')
      return { ok: false, why: 'the path has an empty segment (// or a trailing /)' };
    if (segment === '.' || segment === '..')
      return { ok: false, why: "the path has a '.' or '..' segment" };
    if (!segmentChars.test(segment))
      return { ok: false, why: 'the path has a character no API path uses' };
  }
  if (pathPrefix && path !== pathPrefix && !path.startsWith(`${pathPrefix}/`))
    return { ok: false, why: `the path is not under the API's base path ${pathPrefix}` };
  const apiPath = `${apiBasePaths[api]}${path.slice(pathPrefix.length)}`;

  const parts = (rawSearch ?? '').split('&').filter((p) => p !== '');
  if (!parts.every((part) => queryChars.test(part)))
    return { ok: false, why: 'the query has a character no API query uses' };
  const kept: string[] = [];
  const queryNames: string[] = [];
  for (const part of parts) {
    const name = decodeName(part);
    if (name === null) return { ok: false, why: 'the query has a bad % escape' };
    if (api === 'google' && name === 'key') continue;
    kept.push(part);
    queryNames.push(name);
  }
  return { ok: true, target: { path, apiPath, search: kept.join('&'), queryNames } };
}
