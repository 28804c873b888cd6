/**
 * React's view of the live feed: the feed itself (from context), the instances' rows, the
 * stream's state, and a clock that ticks once a second for the elapsed times (one timer for
 * the whole page; only the cells that show a running time re-render).
 */
import { createContext, useContext, useEffect, useSyncExternalStore } from 'react';
import type { StreamState } from './event-stream.js';
import type { InstanceRow } from './instances-store.js';
import type { FeedListener, LiveFeed } from './live-feed.js';

export const FeedContext = createContext<LiveFeed | null>(null);

export function useFeed(): LiveFeed {
  const feed = useContext(FeedContext);
  if (!feed) throw new Error('useFeed outside FeedContext');
  return feed;
}

export function useInstanceRows(): readonly InstanceRow[] {
  const feed = useFeed();
  return useSyncExternalStore(feed.instances.subscribe, feed.instances.getSnapshot);
}

export function useStreamState(): StreamState {
  const feed = useFeed();
  return useSyncExternalStore(feed.onState, feed.getState);
}

/** Whether the page lost its session (serving started again with another token). */
export function useSignedOut(): boolean {
  const feed = useFeed();
  return useSyncExternalStore(feed.onState, feed.getSignedOut);
}

/** Calls `listener` for each event of the joint stream while the component is mounted. */
export function useFeedEvents(listener: FeedListener): void {
  const feed = useFeed();
  useEffect(() => feed.listen(listener), [feed, listener]);
}

const clock = {
  now: Date.now(),
  listeners: new Set<() => void>(),
  timer: undefined as ReturnType<typeof setInterval> | undefined,
};

function subscribeClock(listener: () => void): () => void {
  clock.listeners.add(listener);
  clock.timer ??= setInterval(() => {
    clock.now = Date.now();
    for (const l of clock.listeners) l();
  }, 1000);
  return () => {
    clock.listeners.delete(listener);
    if (clock.listeners.size === 0) {
      clearInterval(clock.timer);
      clock.timer = undefined;
    }
  };
}

/** The time, to the second; `ticking` false: no timer (a finished run's time is fixed). */
export function useNow(ticking: boolean): number {
  return useSyncExternalStore(
    ticking ? subscribeClock : noSubscribe,
    ticking ? () => clock.now : () => 0,
  );
}

const noSubscribe = () => () => undefined;
