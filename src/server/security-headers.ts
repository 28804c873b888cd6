/**
 * The headers every response of `corral serve` carries: a Content-Security-Policy that lets
 * the page run only its own scripts and styles and talk only to its own origin (no inline
 * script, no framing, no plugins), no MIME sniffing, no Referer (an address could carry a
 * token), and isolation from other sites' windows.
 */
import type { Context, Next } from 'hono';

/**
 * The page's policy; `styleNonce`, given to the dashboard's page alone (web-assets.ts),
 * lets the style elements its own scripts make (xterm.js draws the web terminal with them)
 * apply, and no other inline style.
 */
export function contentSecurityPolicyWith(styleNonce?: string): string {
  return contentSecurityPolicy.replace(
    "style-src 'self'",
    styleNonce ? `style-src 'self' 'nonce-${styleNonce}'` : "style-src 'self'",
  );
}

export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const headers: Record<string, string> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export async function securityHeaders(c: Context, next: Next): Promise<void> {
  await next();
  // The page's own policy (with its style nonce) is kept; every other response gets this one.
  const own = c.res.headers.get('content-security-policy');
  for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  if (own === contentSecurityPolicyWith(styleNonceOf(own))) {
    c.res.headers.set('content-security-policy', own);
  }
}

function styleNonceOf(policy: string | null): string | undefined {
  return /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(policy ?? '')?.[1];
}
