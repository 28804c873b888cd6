import { describe, expect, it } from 'vitest';
import { withNotes, type NoteSink } from './notes.js';
import { trace } from './trace.js';

/** A sink that wants timings, begun `agoMs` ago; what it was told. */
function sink(agoMs: number): NoteSink & { lines: string[] } {
  const lines: string[] = [];
  return { trace: true, startedAt: performance.now() - agoMs, lines, write: (l) => lines.push(l) };
}

const msOf = (line: string | undefined) => Number(/ (\d+\.\d) ms$/.exec(line ?? '')?.[1]);

describe('trace in the engine', () => {
  it('counts each request from its own start, not from another request’s last mark', () => {
    const old = sink(60_000);
    const fresh = sink(0);
    withNotes(old, () => trace('first of the old one'));
    withNotes(fresh, () => trace('first of the fresh one'));
    withNotes(old, () => trace('second of the old one'));
    expect(msOf(old.lines[0])).toBeGreaterThanOrEqual(60_000);
    // Not the minute the other request has been going, nor the time since its mark.
    expect(msOf(fresh.lines[0])).toBeLessThan(60_000);
    expect(msOf(old.lines[1])).toBeLessThan(60_000);
    expect(old.lines[1]).toMatch(/^\[trace\] second of the old one +\d+\.\d ms$/);
  });
});
