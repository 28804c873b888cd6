/**
 * Phase timings for people chasing slowness: with `CORRAL_TRACE=1`, `trace('clone')`
 * prints the milliseconds since the previous mark to stderr, or, for work the engine does
 * for a command that has it set, to that command (lib/notes.ts). Off, it costs nothing.
 */
import { currentNotes, type NoteSink } from './notes.js';

const enabled = process.env.CORRAL_TRACE === '1';
/** In a command: since the process started. */
let last = 0;
/** In the engine: each request's and each run's marks count on their own. */
const lastBySink = new WeakMap<NoteSink, number>();

export function trace(label: string): void {
  const sink = currentNotes();
  if (!enabled && !sink?.trace) return;
  const now = performance.now();
  const previous = sink?.trace ? (lastBySink.get(sink) ?? sink.startedAt ?? now) : last;
  const line = `[trace] ${label.padEnd(24)} ${(now - previous).toFixed(1)} ms`;
  if (sink?.trace) {
    lastBySink.set(sink, now);
    sink.write(line);
  } else {
    last = now;
    process.stderr.write(line + '\n');
  }
}
