/**
 * Which page the address names. The dashboard routes on the fragment (`#/instances/<id>`,
 * `#/battles/<id>`),
 * so every page is a real link the browser can open, bookmark and go back to, and the
 * engine serves one index.html for all of them.
 */
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'instances' }
  | { page: 'instance'; id: string }
  | { page: 'requests' }
  | { page: 'battles' }
  | { page: 'battle'; id: string }
  | { page: 'unknown' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '/instances') return { page: 'instances' };
  if (path === '/requests') return { page: 'requests' };
  if (path === '/battles') return { page: 'battles' };
  const m = /^\/(instances|battles)\/([^/]+)$/.exec(path);
  if (m?.[2]) {
    try {
      const id = decodeURIComponent(m[2]);
      return m[1] === 'battles' ? { page: 'battle', id } : { page: 'instance', id };
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
  battles: '#/battles',
  battle: (id: string) => `#/battles/${encodeURIComponent(id)}`,
};

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
