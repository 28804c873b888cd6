/**
 * Reads back the append-only `events.ndjson` of one instance (written by `EventSink`).
 */
import { readFile } from 'node:fs/promises';
import { parseEventLine, type CorralEvent } from './events.js';

export class EventLog {
  constructor(
    readonly path: string,
    readonly id: string,
  ) {}

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
