/**
 * A model call the gateway refused, as a line of `usage.log` (next to the metered calls;
 * `denied: true` tells them apart): the method and path the agent asked for, never its
 * body, query or credentials; why; and what the agent was answered. The orchestrator
 * turns it into a `gateway.denied` event, counts it in the run summary and shows it in
 * `corral policy`; a `budget` refusal is what ends an instance `budget-exceeded`.
 */
import { z } from 'zod';
import { ModelApi } from './usage-record.js';

export const denialReasons = [
  /** A method and path not on the list (model-api-allowlist.ts, --allow-model-api). */
  'not-allowed',
  /** A target that is not a plain path (`..`, `%2f`, `//`, …) or a query a rule does not allow. */
  'bad-target',
  /** A model the instance may not use. */
  'model',
  /** With --budget-usd: a model prices.json has no price for. */
  'no-price',
  /** The instance's budget is spent. */
  'budget',
  /** With --rpm: too many calls already waiting for their turn. */
  'rate',
  /** A body too large to read for its model. */
  'too-large',
] as const;
export const DenialReason = z.enum(denialReasons);
export type DenialReason = z.infer<typeof DenialReason>;

export const ModelDenialRecord = z.object({
  ts: z.string(),
  denied: z.literal(true),
  api: ModelApi,
  method: z.string().max(20),
  /** The path as the agent sent it (no query), at most 300 characters. */
  path: z.string().max(300),
  reason: DenialReason,
  /** What the agent was told (in the API's own error shape). */
  message: z.string(),
  /** The model asked for, when the gateway read it. */
  model: z.string().nullable(),
  status: z.number().int(),
});
export type ModelDenialRecord = z.infer<typeof ModelDenialRecord>;
