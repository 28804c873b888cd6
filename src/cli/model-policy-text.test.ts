import { describe, expect, it } from 'vitest';
import { ModelPolicy } from '../gateway/policy.js';
import { describeBudget, describeModelCalls, describeModels } from './model-policy-text.js';

describe('model policy text', () => {
  it('names the calls, the models and the budget against what was spent', () => {
    const p = ModelPolicy.parse({
      allowApi: ['POST /v1/messages/batches'],
      model: 'claude-sonnet-4-5',
      allowModels: ['claude-haiku-*'],
      budget: { tokens: 1000, usd: 2, rpm: 30 },
    });
    expect(describeModelCalls(['POST /v1/messages?beta'], p)).toBe(
      "model API calls: POST /v1/messages?beta (its CLI's); also 'POST /v1/messages/batches' (--allow-model-api)",
    );
    expect(describeModels(p)).toBe(
      'models: claude-sonnet-4-5, claude-haiku-* (calls for others are refused)',
    );
    expect(describeModels({ ...p, allowModels: [], rewriteModel: true })).toBe(
      'models: claude-sonnet-4-5 only (calls for others are sent to claude-sonnet-4-5)',
    );
    expect(describeBudget(p.budget, { tokens: 250, usd: 0.5 })).toBe(
      'budget: 250 of 1000 tokens, $0.5000 of $2, 30 calls a minute',
    );
    expect(describeBudget(ModelPolicy.parse({}).budget, { tokens: 7, usd: 0 })).toBe(
      'budget: none (spent 7 tokens)',
    );
  });
});
