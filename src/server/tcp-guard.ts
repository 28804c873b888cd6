/**
 * What keeps the API safe on TCP (`corral serve`): every API request needs the session's
 * token (`Authorization: Bearer …`, or the `corral_token` cookie the dashboard's session
 * sets), compared in constant time; only the dashboard's own files load without it. For
 * every request, the Host header must name the address served (no DNS rebinding: a page of
 * another site that resolves its name to 127.0.0.1 still sends its own name), and a request
 * a browser marks with a foreign Origin is refused (no cross-site requests). The same check
 * guards the terminal's WebSocket upgrades (terminal-socket.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';

export interface TcpGuardOptions {
  token: string;
  /** host:port values the Host header may carry. */
  hosts: string[];
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A header of the request being checked (case-insensitive name). */
type HeaderOf = (name: string) => string | undefined;

function tokenOf(header: HeaderOf): string | null {
  const auth = header('authorization');
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = header('cookie') ?? '';
  const m = /(?:^|;\s*)corral_token=([^;]+)/.exec(cookie);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

/** Why a request is refused: the HTTP status and the API's error body. */
export interface Refusal {
  status: 401 | 403 | 421;
  error: { code: 'USAGE'; message: string; hint?: string };
}

/** The check itself, on any request's headers (an API call, a WebSocket upgrade). */
export function tcpCheck(
  options: TcpGuardOptions,
): (header: HeaderOf, isAsset?: boolean) => Refusal | undefined {
  const hosts = new Set(options.hosts.map((h) => h.toLowerCase()));
  const origins = new Set(options.hosts.map((h) => `http://${h.toLowerCase()}`));
  return (header, isAsset = false) => {
    const host = (header('host') ?? '').toLowerCase();
    if (!hosts.has(host)) {
      return {
        status: 421,
        error: { code: 'USAGE', message: `Host ${host || '(none)'} is not served here.` },
      };
    }
    const origin = header('origin');
    if (origin && !origins.has(origin.toLowerCase())) {
      return {
        status: 403,
        error: { code: 'USAGE', message: 'Cross-origin requests are refused.' },
      };
    }
    if (isAsset) return undefined;
    const given = tokenOf(header);
    if (!given || !sameToken(given, options.token)) {
      return {
        status: 401,
        error: {
          code: 'USAGE',
          message: 'A valid token is required.',
          hint: 'Use the URL corral serve printed.',
        },
      };
    }
    return undefined;
  };
}

/** The guard; `isAsset`: the request is for one of the dashboard's files (no token needed). */
export function tcpGuard(
  options: TcpGuardOptions,
): (c: Context, isAsset?: boolean) => Response | undefined {
  const check = tcpCheck(options);
  return (c, isAsset = false) => {
    const refused = check((name) => c.req.header(name), isAsset);
    return refused ? c.json({ error: refused.error }, refused.status) : undefined;
  };
}
