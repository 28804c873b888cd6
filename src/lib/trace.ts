/**
 * Phase timings for people chasing slowness: with `CORRAL_TRACE=1`, `trace('clone')`
 * prints the milliseconds since the previous mark to stderr, or, for work the engine does
 * for a command that has it set, to that command (lib/notes.ts). Off, it costs nothing.
 */
import { currentNotes } from './notes.js';

const enabled = process.env.CORRAL_TRACE === '1';
let last = performance.now();

export function trace(label: string): void {
  const sink = currentNotes();
  if (!enabled && !sink?.trace) return;
  const now = performance.now();
  const line = `[trace] ${label.padEnd(24)} ${(now - last).toFixed(1)} ms`;
  last = now;
  if (sink?.trace) sink.write(line);
  else process.stderr.write(line + '\n');
}
