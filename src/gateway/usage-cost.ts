/**
 * Turns token counts into dollars when the gateway's config gives a price for the model
 * (USD per million tokens). corral ships no price list: prices change, and a wrong cost is
 * worse than none, so without a configured price the cost is null ("not known").
 */
import { z } from 'zod';
import type { UsageCounts } from '../protocol/usage-record.js';

export const ModelPrice = z
  .object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cacheRead: z.number().nonnegative().optional(),
    cacheWrite: z.number().nonnegative().optional(),
  })
  .describe('USD per million tokens; cache prices default to the input price');
export type ModelPrice = z.infer<typeof ModelPrice>;

/** Model name (or name prefix, longest wins) → price. */
export const PriceTable = z.record(z.string(), ModelPrice);
export type PriceTable = z.infer<typeof PriceTable>;

/** The price of `model`: the entry whose name is its longest prefix, or undefined. */
export function findPrice(prices: PriceTable | undefined, model: string): ModelPrice | undefined {
  if (!prices) return undefined;
  const key = Object.keys(prices)
    .filter((name) => model.startsWith(name))
    .sort((a, b) => b.length - a.length)[0];
  return key === undefined ? undefined : prices[key];
}

export function costOf(counts: UsageCounts, prices: PriceTable): number | null {
  const model = counts.model;
  if (model === null) return null;
  const price = findPrice(prices, model);
  if (!price) return null;
  const usd =
    counts.inputTokens * price.input +
    counts.outputTokens * price.output +
    counts.cacheReadTokens * (price.cacheRead ?? price.input) +
    counts.cacheWriteTokens * (price.cacheWrite ?? price.input);
  return usd / 1_000_000;
}
