/**
 * How an instance's model policy reads to people, for `corral policy`: the calls its
 * agent may make with the key (its CLI's, plus `--allow-model-api`), the models, and the
 * budget beside what was spent; one line each.
 */
import type { ModelPolicy, ModelSpent } from '../gateway/policy.js';

export function describeModelCalls(calls: readonly string[], policy: ModelPolicy): string {
  const extra = policy.allowApi.length
    ? `; also ${policy.allowApi.map((c) => `'${c}'`).join(', ')} (--allow-model-api)`
    : '';
  return `model API calls: ${calls.join(', ')} (its CLI's)${extra}`;
}

/**
 * @example
 * describeModels({ ...openModelPolicy, model: 'claude-sonnet-4-5', rewriteModel: true })
 * // 'models: claude-sonnet-4-5 only (calls for others are sent to it)'
 */
export function describeModels(policy: ModelPolicy): string {
  const names = [policy.model, ...policy.allowModels].filter((n): n is string => n !== null);
  if (names.length === 0) return 'models: any';
  const list = names.length === 1 ? `${names[0]} only` : names.join(', ');
  const others = policy.rewriteModel
    ? `calls for others are sent to ${policy.model}`
    : 'calls for others are refused';
  return `models: ${list} (${others})`;
}

/**
 * @example
 * describeBudget({ tokens: 1000, usd: null, rpm: 30 }, { tokens: 250, usd: 0.01 })
 * // 'budget: 250 of 1000 tokens, 30 calls a minute'
 */
export function describeBudget(budget: ModelPolicy['budget'], spent: ModelSpent): string {
  const parts: string[] = [];
  if (budget.tokens !== null) parts.push(`${spent.tokens} of ${budget.tokens} tokens`);
  if (budget.usd !== null) parts.push(`$${spent.usd.toFixed(4)} of $${budget.usd}`);
  if (budget.rpm !== null) parts.push(`${budget.rpm} calls a minute`);
  if (parts.length === 0)
    return `budget: none (spent ${spent.tokens} tokens${spent.usd ? `, $${spent.usd.toFixed(4)}` : ''})`;
  return `budget: ${parts.join(', ')}`;
}
