import { describe, expect, it } from 'vitest';
import { elapsedMs, formatDuration, formatTokens, formatUsd } from './format.js';

describe('format', () => {
  it('shows durations, tokens and dollars briefly', () => {
    expect(formatDuration(4_200)).toBe('4s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(3_723_000)).toBe('1h 02m');
    expect(formatTokens(null)).toBe('–');
    expect(formatTokens(950)).toBe('950');
    expect(formatTokens(12_345)).toBe('12.3k');
    expect(formatUsd(0.01234)).toBe('$0.0123');
    expect(formatUsd(12.5)).toBe('$12.50');
  });

  it('counts a running time up to now and keeps a finished one', () => {
    const startedAt = '2026-01-01T00:00:00.000Z';
    const t0 = Date.parse(startedAt);
    expect(elapsedMs({ startedAt: null, endedAt: null, durationMs: null }, t0)).toBeNull();
    expect(elapsedMs({ startedAt, endedAt: null, durationMs: null }, t0 + 5000)).toBe(5000);
    expect(elapsedMs({ startedAt, endedAt: '2026-01-01T00:00:09.000Z', durationMs: 9000 }, 0)).toBe(
      9000,
    );
  });
});
