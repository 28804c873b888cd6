/**
 * What `corral serve` opens on TCP: the engine's API (every call behind the token), the
 * session route that trades the token for the dashboard's cookie, and the dashboard's
 * built files, which load without a token (they hold none and reveal nothing); Host and
 * Origin are checked on every request (tcp-guard.ts), and every response carries the
 * security headers.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { EngineApi, RequestEnv } from '../engine/engine-api.js';
import { createApi } from './api.js';
import { lendEnvironment } from './lent-env.js';
import { securityHeaders } from './security-headers.js';
import type { WebAssets } from './web-assets.js';

/** The cookie the page's calls carry: set only by POST /v1/session, readable by no script. */
export const sessionCookie = 'corral_token';

export interface TcpAppOptions {
  engine: EngineApi;
  assets: WebAssets;
  /** Refuses what must not pass (given whether the path is a dashboard file). */
  guard: (c: Context, isAsset: boolean) => Response | undefined;
  /** The token, which the session cookie carries. */
  token: () => string;
  /** The serving user's environment, for the calls the page makes (lent-env.ts). */
  lentEnv: () => RequestEnv;
}

export function createTcpApp(options: TcpAppOptions): Hono {
  const api = createApi({ engine: lendEnvironment(options.engine, options.lentEnv) });
  const app = new Hono();
  app.use('*', securityHeaders);
  app.use('*', async (c: Context, next) => {
    const isAsset = c.req.method === 'GET' && options.assets.has(c.req.path);
    const refused = options.guard(c, isAsset);
    if (refused) return refused;
    await next();
  });
  // The guard let it through, so it carried the token: the page's session starts.
  app.post('/v1/session', (c) => {
    c.header(
      'set-cookie',
      `${sessionCookie}=${encodeURIComponent(options.token())}; HttpOnly; SameSite=Strict; Path=/`,
    );
    c.header('cache-control', 'no-store');
    return c.json({ session: true }, 200);
  });
  app.all('/v1/*', (c) => api.fetch(c.req.raw, c.env as object | undefined));
  app.get('*', async (c) => (await options.assets.respond(c)) ?? c.notFound());
  return app;
}
