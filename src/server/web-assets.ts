/**
 * The dashboard's built files (web/, built into dist/web by `npm run build`), served by
 * `corral serve`. Only the files the build made are served, each by its exact path (the
 * list is read once, so no request path ever reaches the file system); the hashed assets
 * are cached for good, index.html never (each copy has its own style nonce). With no build
 * there, `/` says how to make one.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { contentSecurityPolicyWith } from './security-headers.js';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface WebAssets {
  /** Whether `path` (of a request) names a served file: those need no token. */
  has(path: string): boolean;
  /** The file's response, or undefined when there is none by that path. */
  respond(c: Context): Promise<Response | undefined>;
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
  } catch {
    return [];
  }
}

/** What the page's build leaves for the server to fill in with each response's nonce. */
const noncePlaceholder = '__CORRAL_STYLE_NONCE__';

/**
 * The page, with a new style nonce in its `csp-nonce` meta tag and its policy: the style
 * elements its scripts make carry it (web/src/lib/style-nonce.ts).
 */
function pageWithNonce(c: Context, body: Buffer): Response {
  const nonce = randomBytes(18).toString('base64url');
  return c.body(body.toString('utf8').replaceAll(noncePlaceholder, nonce), 200, {
    'content-type': types['.html']!,
    'cache-control': 'no-store',
    'content-security-policy': contentSecurityPolicyWith(nonce),
  });
}

/** The files under `dir` (dist/web), by the paths they are served at. */
export async function loadWebAssets(dir: string): Promise<WebAssets> {
  const files = new Map<string, string>();
  for (const name of await listFiles(dir)) files.set(`/${name}`, join(dir, name));
  if (files.has('/index.html')) files.set('/', join(dir, 'index.html'));
  const has = (path: string) => files.has(path);
  return {
    has: (path) => has(path) || path === '/',
    async respond(c) {
      const path = c.req.path;
      const file = files.get(path);
      if (!file) {
        if (path !== '/') return undefined;
        return c.text(
          'The dashboard is not built here (dist/web is missing). Build it with: npm run build',
          503,
        );
      }
      const body = await readFile(file);
      if (file.endsWith('index.html')) return pageWithNonce(c, body);
      const hashed = path.startsWith('/assets/');
      return c.body(body, 200, {
        'content-type': types[extname(file)] ?? 'application/octet-stream',
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    },
  };
}
