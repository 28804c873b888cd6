/**
 * Phase timings for people chasing slowness: with `CORRAL_TRACE=1`, `trace('clone')`
 * prints the milliseconds since the previous mark to stderr. Off, it costs nothing.
 */
const enabled = process.env.CORRAL_TRACE === '1';
let last = performance.now();

export function trace(label: string): void {
  if (!enabled) return;
  const now = performance.now();
  process.stderr.write(`[trace] ${label.padEnd(24)} ${(now - last).toFixed(1)} ms\n`);
  last = now;
}
