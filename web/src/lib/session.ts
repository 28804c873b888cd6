/**
 * Signing the page in: `corral serve` prints the address with the token in its fragment
 * (`#token=…`), which never reaches a server or a log. The page takes it out of the address
 * bar at once (history.replaceState), trades it once for the session cookie (HttpOnly, so
 * no script can read it back), and from then on every call carries the cookie only.
 */
import { api } from './api.js';

export type SessionState = 'signed-in' | 'signed-out' | 'refused';

/** The token the address carries, if any, and the address without it. */
export function takeToken(hash: string): { token: string | null; rest: string } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  if (token === null) return { token: null, rest: hash };
  return { token, rest: '#/' };
}

export async function openSession(): Promise<SessionState> {
  const { token, rest } = takeToken(window.location.hash);
  if (token !== null) {
    window.history.replaceState(null, '', `${window.location.pathname}${rest}`);
    if (!(await api.startSession(token))) return 'refused';
  }
  try {
    await api.engine();
    return 'signed-in';
  } catch {
    return 'signed-out';
  }
}
