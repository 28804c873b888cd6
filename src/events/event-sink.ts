/**
 * Appends events to `events.ndjson` in batches: events pushed in the same tick are written
 * with one append, in order, so a chatty agent costs one write per burst rather than one
 * per line. `flush()` resolves when everything pushed so far is on disk. Every string in
 * an event is made terminal-safe first (lib/terminal-text.ts): the file, the live view
 * and every client of the events see the same, and none of them an escape sequence a
 * sandbox wrote, other than colours.
 */
import { appendFile } from 'node:fs/promises';
import { sanitizeStrings } from '../lib/terminal-text.js';
import { CorralEvent, eventSchemaVersion, type NewEvent } from './events.js';

export class EventSink {
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private error: Error | undefined;

  constructor(
    readonly path: string,
    /** Applied to each serialized line (redaction). */
    private readonly transform: (line: string) => string = (l) => l,
  ) {}

  push(event: NewEvent): CorralEvent {
    const full = CorralEvent.parse(
      sanitizeStrings({ v: eventSchemaVersion, ts: new Date().toISOString(), ...event }),
    );
    this.pending.push(this.transform(JSON.stringify(full)) + '\n');
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
    }
    return full;
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.pending.join('');
    this.pending = [];
    if (!batch) return;
    this.writing = this.writing.then(() =>
      appendFile(this.path, batch).catch((error: unknown) => {
        this.error ??= error instanceof Error ? error : new Error(`writing ${this.path} failed`);
      }),
    );
  }

  async flush(): Promise<void> {
    this.drain();
    await this.writing;
    if (this.error) throw this.error;
  }
}
