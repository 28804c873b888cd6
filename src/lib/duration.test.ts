import { describe, expect, it } from 'vitest';
import { formatBytes, formatDurationMs, parseBytes, parseDurationMs } from './duration.js';

describe('parseDurationMs', () => {
  it('reads units and combinations', () => {
    expect(parseDurationMs('30m')).toBe(1_800_000);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('2')).toBe(2000);
    expect(parseDurationMs('1.5s')).toBe(1500);
  });
  it('refuses what it cannot read', () => {
    expect(parseDurationMs('soon')).toBeUndefined();
    expect(parseDurationMs('10x')).toBeUndefined();
    expect(parseDurationMs('0s')).toBeUndefined();
    expect(parseDurationMs('5m junk')).toBeUndefined();
  });
  it('formats for people', () => {
    expect(formatDurationMs(250)).toBe('250ms');
    expect(formatDurationMs(1500)).toBe('1.5s');
    expect(formatDurationMs(125_000)).toBe('2m5s');
  });
});

describe('parseBytes', () => {
  it('reads suffixes', () => {
    expect(parseBytes('2g')).toBe(2 * 1024 ** 3);
    expect(parseBytes('512m')).toBe(512 * 1024 ** 2);
    expect(parseBytes('100')).toBe(100);
    expect(parseBytes('lots')).toBeUndefined();
  });
});

describe('formatBytes', () => {
  it('writes the largest exact unit, as parseBytes reads it back', () => {
    for (const [bytes, text] of [
      [4 * 1024 ** 3, '4g'],
      [1536 * 1024 ** 2, '1536m'],
      [512 * 1024, '512k'],
      [1000, '1000'],
    ] as const) {
      expect(formatBytes(bytes)).toBe(text);
      expect(parseBytes(text)).toBe(bytes);
    }
  });
});
