import { describe, expect, it } from 'vitest';
import { parseBwrapVersion } from './probe-sandbox-runtime.js';

describe('parseBwrapVersion', () => {
  it('reads what `bwrap --version` prints', () => {
    expect(parseBwrapVersion('bubblewrap 0.8.0')).toEqual([0, 8, 0]);
    expect(parseBwrapVersion('bubblewrap 0.11')).toEqual([0, 11, 0]);
    expect(parseBwrapVersion('')).toBeUndefined();
  });
});
