/**
 * What an instance has spent on its model API, counted by its gateway from its own
 * metering (never from what the agent says), against the instance's budget: tokens (input,
 * output, cache reads and writes, as the API reported them) and dollars (priced by the
 * config's table). One per gateway, shared by its model APIs; it starts from what earlier
 * runs of the instance spent. Once the spend reaches the budget every further call is
 * refused; the calls already under way finish, so the last one can go past it.
 */
import type { ModelBudget, ModelSpent } from '../protocol/model-policy.js';
import type { UsageCounts } from '../protocol/usage-record.js';

export class ModelSpend {
  private spent: ModelSpent;

  constructor(
    readonly budget: ModelBudget,
    spent: ModelSpent = { tokens: 0, usd: 0 },
  ) {
    this.spent = { ...spent };
  }

  get current(): ModelSpent {
    return { ...this.spent };
  }

  /** Adds one metered response (its cost null when it could not be priced). */
  add(counts: UsageCounts, costUsd: number | null): void {
    this.spent.tokens +=
      counts.inputTokens + counts.outputTokens + counts.cacheReadTokens + counts.cacheWriteTokens;
    if (costUsd !== null) this.spent.usd += costUsd;
  }

  /**
   * Why no further call may go out, or null while the budget lasts.
   *
   * @example
   * new ModelSpend({ tokens: 1000, usd: null, rpm: null }, { tokens: 1200, usd: 0 }).exhausted()
   * // 'the budget is spent: 1200 of 1000 tokens (--budget-tokens)'
   */
  exhausted(): string | null {
    const { tokens, usd } = this.budget;
    if (tokens !== null && this.spent.tokens >= tokens)
      return `the budget is spent: ${this.spent.tokens} of ${tokens} tokens (--budget-tokens)`;
    if (usd !== null && this.spent.usd >= usd)
      return `the budget is spent: $${this.spent.usd.toFixed(4)} of $${usd} (--budget-usd)`;
    return null;
  }
}
