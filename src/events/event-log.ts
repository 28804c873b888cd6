/**
 * The append-only `events.ndjson` of one instance: append, read back, and follow live.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { CorralEvent, eventSchemaVersion, parseEventLine, type NewEvent } from './events.js';

export class EventLog {
  constructor(
    readonly path: string,
    readonly id: string,
  ) {}

  async append(event: NewEvent): Promise<CorralEvent> {
    const full = CorralEvent.parse({
      v: eventSchemaVersion,
      ts: new Date().toISOString(),
      ...event,
    });
    await appendFile(this.path, JSON.stringify(full) + '\n');
    return full;
  }

  async load(): Promise<CorralEvent[]> {
    const text = await readFile(this.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => parseEventLine(l, this.id));
  }
}
