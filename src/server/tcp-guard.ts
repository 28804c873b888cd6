/**
 * What keeps the API safe on TCP (`corral serve`): every API request needs the session's
 * token (`Authorization: Bearer …`, or the `corral_token` cookie the dashboard's session
 * sets), compared in constant time; only the dashboard's own files load without it. For
 * every request, the Host header must name the address served (no DNS rebinding: a page of
 * another site that resolves its name to 127.0.0.1 still sends its own name), and a request
 * a browser marks with a foreign Origin is refused (no cross-site requests).
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

function tokenOf(c: Context): string | null {
  const auth = c.req.header('authorization');
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = c.req.header('cookie') ?? '';
  const m = /(?:^|;\s*)corral_token=([^;]+)/.exec(cookie);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

/** The guard; `isAsset`: the request is for one of the dashboard's files (no token needed). */
export function tcpGuard(
  options: TcpGuardOptions,
): (c: Context, isAsset?: boolean) => Response | undefined {
  const hosts = new Set(options.hosts.map((h) => h.toLowerCase()));
  const origins = new Set(options.hosts.map((h) => `http://${h.toLowerCase()}`));
  return (c, isAsset = false) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!hosts.has(host)) {
      return c.json(
        { error: { code: 'USAGE', message: `Host ${host || '(none)'} is not served here.` } },
        421,
      );
    }
    const origin = c.req.header('origin');
    if (origin && !origins.has(origin.toLowerCase())) {
      return c.json(
        { error: { code: 'USAGE', message: 'Cross-origin requests are refused.' } },
        403,
      );
    }
    if (isAsset) return undefined;
    const given = tokenOf(c);
    if (!given || !sameToken(given, options.token)) {
      return c.json(
        {
          error: {
            code: 'USAGE',
            message: 'A valid token is required.',
            hint: 'Use the URL corral serve printed.',
          },
        },
        401,
      );
    }
    return undefined;
  };
}
