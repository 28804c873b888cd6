/**
 * Server-Sent Events for an instance's events and output, a battle's events, and every
 * instance's (and battle's) events at once. Each event's SSE id is its sequence number (in the joint stream, its gseq),
 * so a client that reconnects with `Last-Event-ID` (or `?after=`) gets exactly what it
 * missed, then live events. A client never slows a run down: what the
 * engine hands over goes into a bounded queue that a writer drains at the client's pace,
 * and a client that falls too far behind is dropped (it reconnects with its cursor).
 */
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { EngineApi, FollowOptions } from '../engine/engine-api.js';
import { eventJson, type CorralEvent } from '../events/index.js';

/** How far (bytes of messages not yet written) a client may fall behind before it is dropped. */
export const maxQueuedBytes = 8 * 1024 * 1024;

interface Message {
  event: string;
  data: string;
  id?: string;
}

/** Hands messages to `stream` in order, at its pace, dropping the client if it lags. */
class Pump {
  readonly #queue: Message[] = [];
  #queuedBytes = 0;
  #waiting: (() => void) | undefined;
  #closed = false;
  readonly #roomWaiters: Array<() => void> = [];
  readonly abort = new AbortController();

  constructor(private readonly stream: SSEStreamingApi) {
    stream.onAbort(() => this.close());
  }

  push(message: Message): void {
    if (this.#closed) return;
    this.#queuedBytes += message.data.length;
    if (this.#queuedBytes > maxQueuedBytes) {
      // Too slow: drop it rather than hold the run's events for it.
      this.close();
      return;
    }
    this.#queue.push(message);
    this.#waiting?.();
  }

  /** Resolves once the queue is down to half its bound (at once when it is, or closed). */
  room(): Promise<void> {
    if (this.#closed || this.#queuedBytes <= maxQueuedBytes / 2) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    for (const resolve of this.#roomWaiters.splice(0)) resolve();
    this.abort.abort();
    this.#waiting?.();
  }

  /**
   * Writes until closed and drained: whatever is queued when the writer gets its turn goes
   * out as one write (a client reading 100,000 events a second costs one write per batch,
   * not per event).
   */
  async run(done: Promise<void>): Promise<void> {
    let finished = false;
    void done.finally(() => {
      finished = true;
      this.#waiting?.();
    });
    for (;;) {
      if (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, maxBatch);
        let text = '';
        for (const message of batch) {
          this.#queuedBytes -= message.data.length;
          text += formatMessage(message);
        }
        await this.stream.write(text);
        if (this.#queuedBytes <= maxQueuedBytes / 2) {
          for (const resolve of this.#roomWaiters.splice(0)) resolve();
        }
        continue;
      }
      if (finished || this.#closed) return;
      await new Promise<void>((resolve) => (this.#waiting = resolve));
      this.#waiting = undefined;
    }
  }
}

/** Messages written at once, at most (a bound on one write's size). */
const maxBatch = 512;

/**
 * One SSE message as the wire has it. Its fields are the API's own (event names, numeric
 * ids) and its data is JSON, which has no raw line breaks; a break that got in anyway would
 * end the field early, so each line of the data becomes its own `data:` line, as SSE wants.
 */
function formatMessage(message: Message): string {
  const data =
    message.data.includes('\n') || message.data.includes('\r')
      ? message.data.split(/\r\n|\r|\n/).join('\ndata: ')
      : message.data;
  const id = message.id === undefined ? '' : `id: ${message.id}\n`;
  return `event: ${message.event}\ndata: ${data}\n${id}\n`;
}

function cursorOf(c: Context): number {
  const header = c.req.header('last-event-id');
  const query = c.req.query('after');
  const n = Number(header ?? query ?? 0);
  return Number.isInteger(n) && n >= -1 ? n : 0;
}

/**
 * An SSE response fed by `feed` through a pump: what it pushes goes out at the client's
 * pace; an error it throws goes out as an `error` message; `end` closes a finished stream.
 */
function pumped(c: Context, feed: (pump: Pump) => Promise<void>): Response {
  return streamSSE(c, async (stream) => {
    const pump = new Pump(stream);
    const done = feed(pump).catch((error: unknown) => {
      pump.push({ event: 'error', data: JSON.stringify({ error: errorJson(error) }) });
    });
    await pump.run(done);
    await stream.writeSSE({ event: 'end', data: '{}' }).catch(() => undefined);
  });
}

const ready = (pump: Pump, data: Record<string, number>) =>
  pump.push({ event: 'ready', data: JSON.stringify(data) });

/** `GET /v1/instances/:ref/events[?after=N][&follow=false]` */
export function streamEvents(c: Context, engine: EngineApi, ref: string): Response {
  return streamSeqEvents(c, (options, onEvent) => engine.followEvents(ref, options, onEvent));
}

/** `GET /v1/battles/:id/events[?after=N][&follow=false]`: a battle's `battle.*` events. */
export function streamBattleEvents(c: Context, engine: EngineApi, id: string): Response {
  return streamSeqEvents(c, (options, onEvent) => engine.followBattle(id, options, onEvent));
}

/** One log's events (an instance's or a battle's), each message's id its seq. */
function streamSeqEvents(
  c: Context,
  follow: (options: FollowOptions, onEvent: (event: CorralEvent) => void) => Promise<void>,
): Response {
  const after = cursorOf(c);
  return pumped(c, (pump) =>
    follow(
      {
        after,
        follow: c.req.query('follow') !== 'false',
        signal: pump.abort.signal,
        onReady: (seq) => ready(pump, { seq }),
        ...noteOption(c, pump),
      },
      (event) => pump.push({ event: 'event', id: String(event.seq ?? ''), data: eventJson(event) }),
    ),
  );
}

/**
 * `GET /v1/events[?after=GSEQ][&follow=false]`: every instance's events, each message's id
 * its place in the joint stream (after=-1: only those to come).
 */
export function streamAllEvents(c: Context, engine: EngineApi): Response {
  const follow = c.req.query('follow') !== 'false';
  const after = cursorOf(c);
  return pumped(c, (pump) =>
    engine.followAllEvents(
      { after, follow, signal: pump.abort.signal, onReady: (gseq) => ready(pump, { gseq }) },
      (entry) =>
        pump.push({
          event: 'event',
          id: String(entry.gseq),
          data: `{"gseq":${entry.gseq},"event":${eventJson(entry.event)}}`,
        }),
    ),
  );
}

/** `GET /v1/instances/:ref/output[?from=BYTES][&follow=false]` (from=-1: only new output). */
export function streamOutput(c: Context, engine: EngineApi, ref: string): Response {
  const follow = c.req.query('follow') !== 'false';
  const from = Number(c.req.query('from') ?? 0);
  return pumped(c, (pump) =>
    engine.followOutput(
      ref,
      {
        from: Number.isInteger(from) ? from : 0,
        follow,
        signal: pump.abort.signal,
        onReady: (offset) => ready(pump, { offset }),
        ...noteOption(c, pump),
      },
      (chunk) => {
        pump.push({ event: 'output', data: JSON.stringify(chunk) });
        return pump.room();
      },
    ),
  );
}

/** With `?notes=true`, what the run says for people comes as `note` messages too. */
function noteOption(c: Context, pump: Pump): { onNote?: (line: string) => void } {
  if (c.req.query('notes') !== 'true') return {};
  return { onNote: (line) => pump.push({ event: 'note', data: JSON.stringify({ line }) }) };
}

function errorJson(error: unknown): { code: string; message: string; hint?: string } {
  if (error && typeof error === 'object' && 'toJSON' in error && 'code' in error) {
    return (error as { toJSON(): { code: string; message: string; hint?: string } }).toJSON();
  }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
