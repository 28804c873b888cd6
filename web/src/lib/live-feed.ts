/**
 * The page's one connection to every instance's events (`GET /v1/events`), shared by all
 * pages: it keeps the instances store current, tells listeners (the requests page, the
 * open instance, notifications) what happened, and reports whether it is connected. It
 * asks only for events to come; once the stream says it is ready it lists the instances and
 * requests, so nothing said in between is missed.
 */
import { api, ApiError } from './api.js';
import { openEventStream, type EventStream, type StreamState } from './event-stream.js';
import { InstancesStore } from './instances-store.js';
import { notifyLive } from './notifications.js';
import type { CorralEvent, FeedEntry } from './types.js';

/** How often a record that lags its last lifecycle event is fetched again (400 ms apart). */
const maxRefetches = 25;

export type FeedListener = (event: CorralEvent, live: boolean) => void;

export class LiveFeed {
  readonly instances: InstancesStore;
  #state: StreamState = 'connecting';
  #stream: EventStream | undefined;
  #listeners = new Set<FeedListener>();
  #stateListeners = new Set<() => void>();
  #fetches = new Map<string, number>();
  #loadError: string | null = null;
  #signedOut = false;

  constructor() {
    this.instances = new InstancesStore((id) => this.#refetch(id));
  }

  get loadError(): string | null {
    return this.#loadError;
  }

  start(): void {
    let listed = false;
    this.#stream = openEventStream(
      '/v1/events',
      { after: -1, cursorKey: 'gseq', closeOnEnd: false },
      {
        onMessage: (data, live) => {
          let entry: FeedEntry;
          try {
            entry = JSON.parse(data) as FeedEntry;
          } catch {
            return;
          }
          this.instances.apply(entry.event);
          for (const listener of this.#listeners) listener(entry.event, live);
          notifyLive(entry.event, live);
        },
        onState: (state) => {
          this.#state = state;
          if (state === 'down') void this.#checkSession();
          if (state === 'live' && !listed) {
            listed = true;
            void this.#list();
          }
          for (const listener of this.#stateListeners) listener();
        },
      },
    );
  }

  async #list(): Promise<void> {
    try {
      const [instances, requests] = await Promise.all([api.listInstances(), api.listRequests()]);
      this.instances.load(instances, requests);
      this.#loadError = null;
    } catch (error) {
      this.#loadError = error instanceof Error ? error.message : String(error);
      this.instances.load([], []);
    }
  }

  /**
   * Fetches one record again; a later fetch of the same one wins over an earlier, and a
   * record not yet saved with the last lifecycle event is fetched again, a little later.
   */
  #refetch(id: string, tries = 0): void {
    const n = tries === 0 ? (this.#fetches.get(id) ?? 0) + 1 : (this.#fetches.get(id) ?? 0);
    this.#fetches.set(id, n);
    setTimeout(
      () => {
        if (this.#fetches.get(id) !== n) return;
        api.getInstance(id).then(
          (meta) => {
            if (this.#fetches.get(id) !== n) return;
            if (!this.instances.upsert(meta) && tries < maxRefetches) this.#refetch(id, tries + 1);
          },
          () => undefined,
        );
      },
      tries === 0 ? 100 : 400,
    );
  }

  /**
   * A stream that keeps failing may have lost its session: `corral serve` started again
   * with a new token. Then the page says so (and asks for the new address) instead of
   * reconnecting in vain.
   */
  async #checkSession(): Promise<void> {
    try {
      await api.engine();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && !this.#signedOut) {
        this.#signedOut = true;
        this.#stream?.close();
        for (const listener of this.#stateListeners) listener();
      }
    }
  }

  /** Whether the session was refused (a new token is needed). */
  getSignedOut = (): boolean => this.#signedOut;

  /** Signed in again: follow the stream again from where it was. */
  signedIn(): void {
    if (!this.#signedOut) return;
    this.#signedOut = false;
    this.#stream?.resume();
    for (const listener of this.#stateListeners) listener();
  }

  /** Events as they arrive (after being applied to the store). */
  listen(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onState = (listener: () => void): (() => void) => {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  };

  getState = (): StreamState => this.#state;

  /** Drops the stream and reconnects from the cursor (the page's "reconnect" button). */
  reconnect(): void {
    this.#stream?.reconnect();
  }

  close(): void {
    this.#stream?.close();
  }
}
