import { describe, expect, it } from 'vitest';
import { getAgent } from '../agents/index.js';
import { ModelPolicy } from '../gateway/policy.js';
import { checkModelPolicy, isOpenModelPolicy } from './model-policy-check.js';

const claude = getAgent('claude');
const prices = { 'claude-sonnet-4': { input: 3, output: 15 } };
const check =
  (policy: unknown, agent = claude, table: typeof prices | null = prices) =>
  () =>
    checkModelPolicy(agent, ModelPolicy.parse(policy), table ?? undefined, '/home/me/.corral');

describe('checkModelPolicy', () => {
  it('lets an agent with a model API take any limit', () => {
    expect(isOpenModelPolicy(ModelPolicy.parse({}))).toBe(true);
    expect(isOpenModelPolicy(ModelPolicy.parse({ budget: { rpm: 3 } }))).toBe(false);
    expect(
      check({ model: 'claude-sonnet-4-5', budget: { usd: 2, tokens: 5, rpm: 3 } }),
    ).not.toThrow();
    expect(check({}, getAgent('shell'))).not.toThrow();
  });

  it('refuses limits on an agent without a model API', () => {
    expect(check({ budget: { tokens: 5 } }, getAgent('shell'))).toThrow(
      /limit an agent's model API; the shell agent has none/,
    );
  });

  it('refuses --rewrite-model without --model', () => {
    expect(check({ rewriteModel: true })).toThrow(/--rewrite-model needs --model/);
  });

  it('refuses --budget-usd without prices, or without a price for a named model', () => {
    expect(check({ budget: { usd: 1 } }, claude, null)).toThrow(
      '--budget-usd needs prices, and /home/me/.corral/prices.json has none.',
    );
    expect(check({ model: 'claude-haiku-4-5', budget: { usd: 1 } })).toThrow(
      '--budget-usd cannot be kept: /home/me/.corral/prices.json has no price for the model claude-haiku-4-5.',
    );
    expect(check({ allowModels: ['claude-sonnet-4*'], budget: { usd: 1 } })).not.toThrow();
  });
});
