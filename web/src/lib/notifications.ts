/**
 * Opt-in browser notifications: when an instance ends and when an agent asks for something.
 * Only live events notify (never what a reconnect replays), and only events said since the
 * page loaded, so waking a laptop does not fire a burst of stale ones. The choice is kept
 * in localStorage; the browser's own permission is asked once, on the person's click.
 */
import { cleanText } from './clean-text.js';
import { hrefs } from './route.js';
import type { CorralEvent } from './types.js';

const key = 'corral.notify';
const loadedAtMs = Date.now();
/** Clocks of the engine and the browser may differ a little (a phone on the network). */
const skewMs = 30_000;

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

export function notificationsOn(): boolean {
  return (
    notificationsSupported() &&
    Notification.permission === 'granted' &&
    localStorage.getItem(key) === 'on'
  );
}

/** Asks the browser (on a click) and remembers the choice; true when they will show. */
export async function setNotifications(on: boolean): Promise<boolean> {
  if (!on || !notificationsSupported()) {
    localStorage.removeItem(key);
    return false;
  }
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return false;
  localStorage.setItem(key, 'on');
  return true;
}

/** The notification an event deserves, if any (title and body are plain text). */
export function notificationFor(event: CorralEvent): { title: string; body: string } | null {
  if (event.type === 'instance.ended') {
    return { title: `${event.id} ${event.status}`, body: `The instance ended (${event.status}).` };
  }
  if (event.type === 'request.opened') {
    return { title: `${event.id} asks for ${event.kind} ${event.name}`, body: event.why };
  }
  return null;
}

/** Shows the event's notification when it is live, new and the person asked for them. */
export function notifyLive(event: CorralEvent, live: boolean): void {
  if (!live || !notificationsOn()) return;
  if (Date.parse(event.ts) < loadedAtMs - skewMs) return;
  const n = notificationFor(event);
  if (!n) return;
  const shown = new Notification(cleanText(n.title), {
    body: cleanText(n.body),
    tag: `${event.id}:${event.seq ?? ''}`,
  });
  shown.onclick = () => {
    window.focus();
    window.location.hash =
      event.type === 'request.opened' ? hrefs.requests : hrefs.instance(event.id);
  };
}
