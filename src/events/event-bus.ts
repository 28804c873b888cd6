/**
 * One instance's events, one way in: every producer (the output parser, the gateway's
 * logs, requests, the lifecycle) pushes to the instance's bus, which gives each event its
 * sequence number (its line number in `events.ndjson`, from 1: the stable id clients resume
 * from), appends it to the file and hands it to every listener, so the file, the terminal
 * and the API never disagree.
 *
 * Appends are batched: events pushed in the same tick are written with one append, in
 * order. Every string in an event is made terminal-safe first (lib/terminal-text.ts), and
 * each serialized line goes through `transform` (redaction). A bus opened on a log that
 * already has events goes on from its last sequence number; one opened with `truncateTo`
 * first cuts the file back to that many bytes (an adopted run re-derives what came after).
 */
import { appendFile, open, stat, truncate } from 'node:fs/promises';
import { sanitizeStrings } from '../lib/terminal-text.js';
import { CorralEvent, eventSchemaVersion, parseEventLine, type NewEvent } from './events.js';

export type Listener = (event: CorralEvent) => void;

/** The line each event pushed in this process was written as (redacted, no newline). */
const written = new WeakMap<CorralEvent, string>();

/**
 * An event as JSON: the line its bus wrote (redacted like the file, and not serialized
 * twice) when it was pushed in this process, else serialized now.
 */
export function eventJson(event: CorralEvent): string {
  return written.get(event) ?? JSON.stringify(event);
}

export interface EventBusOptions {
  /** Applied to each serialized line (redaction). */
  transform?: (line: string) => string;
  /** Cut the file back to this many bytes before going on. */
  truncateTo?: number;
}

export class EventBus {
  #pending: string[] = [];
  #writing: Promise<void> = Promise.resolve();
  #scheduled = false;
  #error: Error | undefined;
  #seq: number;
  #bytes: number;
  readonly #listeners = new Set<Listener>();
  readonly #afterWrite = new Set<() => void>();
  #transform: (line: string) => string;

  private constructor(
    readonly path: string,
    readonly id: string,
    seq: number,
    bytes: number,
    transform: (line: string) => string,
  ) {
    this.#seq = seq;
    this.#bytes = bytes;
    this.#transform = transform;
  }

  /** Opens the bus of the log at `path`, counting the events it already holds. */
  static async open(path: string, id: string, options: EventBusOptions = {}): Promise<EventBus> {
    if (options.truncateTo !== undefined) {
      await truncate(path, options.truncateTo).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    const { lines, bytes, size } = await countLines(path);
    // A last line without its newline is a crash mid-append: it goes, to be pushed again.
    if (size > bytes) await truncate(path, bytes);
    return new EventBus(path, id, lines, bytes, options.transform ?? ((l) => l));
  }

  /** The sequence number of the last event pushed (0: none yet). */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Bytes of the file once everything pushed so far is written. */
  get bytes(): number {
    let pending = 0;
    for (const line of this.#pending) pending += Buffer.byteLength(line);
    return this.#bytes + pending;
  }

  /** Changes the redaction of lines pushed from now on. */
  setTransform(transform: (line: string) => string): void {
    this.#transform = transform;
  }

  push(event: NewEvent): CorralEvent {
    const full = CorralEvent.parse(
      sanitizeStrings({
        v: eventSchemaVersion,
        seq: this.#seq + 1,
        ts: isoNow(),
        ...event,
      }),
    );
    this.#seq++;
    const json = this.#transform(JSON.stringify(full));
    written.set(full, json);
    this.#pending.push(json + '\n');
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#drain());
    }
    for (const listener of this.#listeners) listener(full);
    return full;
  }

  /** Live events from now on; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called after each batch is on disk (the run's cursor is written then). */
  onWritten(callback: () => void): () => void {
    this.#afterWrite.add(callback);
    return () => this.#afterWrite.delete(callback);
  }

  #drain(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const batch = this.#pending.join('');
    this.#pending = [];
    this.#bytes += Buffer.byteLength(batch);
    this.#writing = this.#writing.then(async () => {
      try {
        await appendFile(this.path, batch);
      } catch (error) {
        this.#error ??= error instanceof Error ? error : new Error(`writing ${this.path} failed`);
        return;
      }
      for (const callback of this.#afterWrite) callback();
    });
  }

  /** Resolves when everything pushed so far is on disk. */
  async flush(): Promise<void> {
    this.#drain();
    await this.#writing;
    if (this.#error) throw this.#error;
  }
}

let lastMs = 0;
let lastIso = '';
/** The time now as ISO 8601, made once per millisecond (a burst of events shares it). */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * The events of the log at `path` with a sequence number above `afterSeq`, in order. A line
 * written before sequence numbers were stored gets its line number.
 */
export async function readEventsAfter(
  path: string,
  id: string,
  afterSeq: number,
): Promise<CorralEvent[]> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!handle) return [];
  const out: CorralEvent[] = [];
  try {
    let n = 0;
    for await (const line of handle.readLines()) {
      if (line.length === 0) continue;
      n++;
      if (n <= afterSeq) continue;
      const event = parseEventLine(line, id);
      out.push(event.seq === undefined ? { ...event, seq: n } : event);
    }
  } finally {
    await handle.close();
  }
  return out;
}

/** How many events the log at `path` holds: its last event's seq (0: none, or no file). */
export async function countLoggedEvents(path: string): Promise<number> {
  return (await countLines(path)).lines;
}

/** Whole lines in the file, the bytes they take, and the file's size. */
async function countLines(path: string): Promise<{ lines: number; bytes: number; size: number }> {
  const size = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  if (size === 0) return { lines: 0, bytes: 0, size };
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 16);
    let lines = 0;
    let position = 0;
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) {
        if (buffer[i] === 0x0a) {
          lines++;
          bytes = position + i + 1;
        }
      }
      position += bytesRead;
    }
    return { lines, bytes, size };
  } finally {
    await handle.close();
  }
}
