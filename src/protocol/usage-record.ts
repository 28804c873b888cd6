/**
 * One line of the gateway's usage log: the tokens (and cost, when a price is configured)
 * of one model-API response, read from the response as it streamed past. Its fields are
 * those of the `agent.usage` event plus where it came from, so the orchestrator can turn
 * it into one; it is a new record type next to the event union, defined here.
 */
import { z } from 'zod';

export const ModelApi = z.enum(['anthropic', 'openai', 'google']);
export type ModelApi = z.infer<typeof ModelApi>;

export const UsageCounts = z.object({
  model: z.string().nullable(),
  /**
   * Input tokens not read from or written to the cache (OpenAI's and Gemini's cached tokens,
   * counted inside their input, are taken out).
   */
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative(),
  cacheWriteTokens: z.number().int().nonnegative(),
});
export type UsageCounts = z.infer<typeof UsageCounts>;

export const UsageRecord = UsageCounts.extend({
  ts: z.string(),
  api: ModelApi,
  /** Path on the upstream API, e.g. `/v1/messages`. */
  path: z.string(),
  status: z.number().int(),
  /** Whether the response was an SSE stream. */
  stream: z.boolean(),
  costUsd: z.number().nonnegative().nullable(),
  durationMs: z.number().int().nonnegative(),
});
export type UsageRecord = z.infer<typeof UsageRecord>;
