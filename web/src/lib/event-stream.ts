/**
 * A Server-Sent Events stream of the engine that survives drops: it remembers the id of the
 * last message (and the cursor a `ready` message reports) and, when the connection fails,
 * opens a new one from there (`?after=`), with a growing pause. The server sends what was
 * missed exactly once; a message whose id is not past the cursor is dropped all the same,
 * so a line is never shown twice. `live` is false while replaying what was missed: only
 * live messages may notify a person.
 */

export type StreamState = 'connecting' | 'live' | 'down' | 'ended';

export interface StreamHandlers {
  /** An `event` message; `live` once the stream caught up with the past. */
  onMessage(data: string, live: boolean): void;
  onState?(state: StreamState): void;
  /** A message of type `error` from the server (its data: `{ error }`). */
  onServerError?(data: string): void;
}

export interface StreamOptions {
  /** The cursor to start after (an instance's stream: 0 for all; the joint one: -1 for new). */
  after: number;
  /** The key in a `ready` message's data that holds the cursor reached (`seq` or `gseq`). */
  cursorKey: 'seq' | 'gseq';
  /** Close for good on the server's `end` (an instance's stream ends with the instance). */
  closeOnEnd: boolean;
}

export interface EventStream {
  close(): void;
  /** Drops the connection and opens a new one from the cursor at once. */
  reconnect(): void;
  /** Opens a closed stream again, from its cursor. */
  resume(): void;
}

const maxPauseMs = 5000;

export function openEventStream(
  path: string,
  options: StreamOptions,
  handlers: StreamHandlers,
): EventStream {
  let cursor = options.after;
  let source: EventSource | undefined;
  let live = false;
  let closed = false;
  let pauseMs = 250;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const state = (s: StreamState) => handlers.onState?.(s);

  function connect(): void {
    if (closed) return;
    live = false;
    state('connecting');
    const url = `${path}${path.includes('?') ? '&' : '?'}after=${cursor}`;
    const es = new EventSource(url, { withCredentials: true });
    source = es;
    es.addEventListener('event', (e) => {
      const id = Number(e.lastEventId);
      if (Number.isFinite(id) && e.lastEventId !== '') {
        if (id <= cursor) return;
        cursor = id;
      }
      handlers.onMessage(e.data as string, live);
    });
    es.addEventListener('ready', (e) => {
      try {
        const reached = (JSON.parse(e.data as string) as Record<string, unknown>)[
          options.cursorKey
        ];
        if (typeof reached === 'number' && reached > cursor) cursor = reached;
      } catch {
        // a ready without a cursor: keep ours
      }
      live = true;
      pauseMs = 250;
      state('live');
    });
    es.addEventListener('end', () => {
      if (!options.closeOnEnd) return;
      closed = true;
      es.close();
      state('ended');
    });
    es.addEventListener('error', (e) => {
      if (e instanceof MessageEvent && typeof e.data === 'string') {
        handlers.onServerError?.(e.data);
        return;
      }
      // The connection failed or dropped: ours to reopen from the cursor (never the
      // browser's own retry, which would start from the URL's stale `after`).
      es.close();
      if (closed || source !== es) return;
      state('down');
      timer = setTimeout(connect, pauseMs);
      pauseMs = Math.min(maxPauseMs, pauseMs * 2);
    });
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
    },
    reconnect() {
      if (closed) return;
      clearTimeout(timer);
      source?.close();
      connect();
    },
    resume() {
      clearTimeout(timer);
      source?.close();
      closed = false;
      connect();
    },
  };
}
