/**
 * Which page the address names. The dashboard routes on the fragment (`#/instances/<id>`),
 * so every page is a real link the browser can open, bookmark and go back to, and the
 * engine serves one index.html for all of them.
 */
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'instances' }
  | { page: 'instance'; id: string }
  | { page: 'requests' }
  | { page: 'unknown' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '/instances') return { page: 'instances' };
  if (path === '/requests') return { page: 'requests' };
  const m = /^\/instances\/([^/]+)$/.exec(path);
  if (m?.[1]) {
    try {
      return { page: 'instance', id: decodeURIComponent(m[1]) };
    } catch {
      return { page: 'unknown' };
    }
  }
  return { page: 'unknown' };
}

export const hrefs = {
  instances: '#/',
  requests: '#/requests',
  instance: (id: string) => `#/instances/${encodeURIComponent(id)}`,
};

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
