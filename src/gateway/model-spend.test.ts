import { describe, expect, it } from 'vitest';
import { ModelSpend } from './model-spend.js';

const counts = (n: number) => ({
  model: 'm',
  inputTokens: n,
  outputTokens: n,
  cacheReadTokens: n,
  cacheWriteTokens: n,
});

describe('ModelSpend', () => {
  it('counts every token the API reported, from what earlier runs spent', () => {
    const spend = new ModelSpend({ tokens: 1000, usd: null, rpm: null }, { tokens: 500, usd: 0 });
    spend.add(counts(100), null);
    expect(spend.current).toEqual({ tokens: 900, usd: 0 });
    expect(spend.exhausted()).toBeNull();
    spend.add(counts(25), null);
    expect(spend.exhausted()).toBe('the budget is spent: 1000 of 1000 tokens (--budget-tokens)');
  });

  it('counts dollars when a call was priced', () => {
    const spend = new ModelSpend({ tokens: null, usd: 0.5, rpm: null });
    spend.add(counts(1), 0.3);
    spend.add(counts(1), null);
    expect(spend.exhausted()).toBeNull();
    spend.add(counts(1), 0.25);
    expect(spend.exhausted()).toBe('the budget is spent: $0.5500 of $0.5 (--budget-usd)');
  });

  it('never runs out without a budget', () => {
    const spend = new ModelSpend({ tokens: null, usd: null, rpm: 10 });
    spend.add(counts(1e9), 1e9);
    expect(spend.exhausted()).toBeNull();
  });
});
