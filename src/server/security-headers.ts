/**
 * The headers every response of `corral serve` carries: a Content-Security-Policy that lets
 * the page run only its own scripts and styles and talk only to its own origin (no inline
 * script, no framing, no plugins), no MIME sniffing, no Referer (an address could carry a
 * token), and isolation from other sites' windows.
 */
import type { Context, Next } from 'hono';

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
  for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
}
