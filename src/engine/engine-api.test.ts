import { describe, expect, it } from 'vitest';
import { ResumeInput } from './engine-api.js';

describe('ResumeInput', () => {
  const base = { interactive: false, env: {}, start: false };

  it('keeps out the budget limits a resume does not name (they stay as recorded)', () => {
    expect(ResumeInput.parse({ ...base, budget: {} }).budget).toEqual({});
    expect(ResumeInput.parse({ ...base, budget: { tokens: 10_000 } }).budget).toEqual({
      tokens: 10_000,
    });
    expect(ResumeInput.parse(base).budget).toBeUndefined();
  });

  it('refuses a limit that is not a positive number', () => {
    expect(ResumeInput.safeParse({ ...base, budget: { tokens: 0 } }).success).toBe(false);
    expect(ResumeInput.safeParse({ ...base, budget: { usd: -1 } }).success).toBe(false);
  });
});
