/**
 * Checks an instance's model policy before anything is made: its limits apply only to an
 * agent that calls a model API (the gateway holds the key of nothing else); a rewrite
 * needs a model to rewrite to; a dollar budget needs prices, and a price for every model
 * the instance is pinned to, or the gateway could not count what it spends. Each refusal
 * is a one-line usage error saying what to do.
 */
import type { AgentAdapter } from '../agents/index.js';
import { findPrice, type PriceTable } from '../gateway/usage-cost.js';
import type { ModelPolicy } from '../gateway/policy.js';
import { CorralError } from '../lib/errors.js';
import { getPriceTablePath } from './price-table.js';

/** Whether the policy adds nothing to the gateway's defaults: no extra calls, models, budget. */
export function isOpenModelPolicy(p: ModelPolicy): boolean {
  const { tokens, usd, rpm } = p.budget;
  return (
    p.allowApi.length === 0 &&
    p.model === null &&
    p.allowModels.length === 0 &&
    !p.rewriteModel &&
    tokens === null &&
    usd === null &&
    rpm === null
  );
}

export function checkModelPolicy(
  agent: AgentAdapter,
  policy: ModelPolicy,
  prices: PriceTable | undefined,
  home: string,
): void {
  if (isOpenModelPolicy(policy)) return;
  if (agent.endpointVars.length === 0) {
    throw new CorralError(
      'USAGE',
      `--model, --allow-models, --allow-model-api, --budget-… and --rpm limit an agent's model API; the ${agent.name} agent has none.`,
      { hint: 'Use them with --agent claude, codex or gemini.' },
    );
  }
  if (policy.rewriteModel && policy.model === null) {
    throw new CorralError('USAGE', '--rewrite-model needs --model: the model calls are sent to.', {
      hint: 'E.g. --model claude-sonnet-4-5 --rewrite-model',
    });
  }
  if (policy.budget.usd === null) return;
  const path = getPriceTablePath(home);
  if (!prices || Object.keys(prices).length === 0) {
    throw new CorralError('USAGE', `--budget-usd needs prices, and ${path} has none.`, {
      hint: 'Write the models\' prices there in USD per million tokens, e.g. { "claude-sonnet-4": { "input": 3, "output": 15 } }, or use --budget-tokens.',
    });
  }
  for (const model of [policy.model, ...policy.allowModels]) {
    if (model === null) continue;
    const name = model.replace(/\*$/, '');
    if (!findPrice(prices, name)) {
      throw new CorralError(
        'USAGE',
        `--budget-usd cannot be kept: ${path} has no price for the model ${model}.`,
        { hint: `Add one for ${name} (USD per million tokens: { "input": …, "output": … }).` },
      );
    }
  }
}
