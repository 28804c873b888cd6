/**
 * What an instance did with its model API, read from its usage.log (the gateway's, or the
 * host-side gateways' on the local backend): what it spent over all its runs (a resumed
 * instance's budget counts the earlier ones), and the calls the gateway refused, summed up
 * per method and path for `corral policy`. Lines that are neither record are skipped:
 * nothing in the file is trusted beyond its schema.
 */
import { readFile } from 'node:fs/promises';
import { ModelDenialRecord, type ModelSpent } from '../gateway/policy.js';
import { UsageRecord } from '../protocol/usage-record.js';

export interface ModelCallsRefused {
  method: string;
  path: string;
  reason: ModelDenialRecord['reason'];
  count: number;
  /** When the last of them was refused (ISO 8601). */
  last: string;
  /** What the agent was told, the last time. */
  message: string;
}

export interface ModelUsage {
  spent: ModelSpent;
  /** Most recent first. */
  refused: ModelCallsRefused[];
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/** Reads `usageLog` (absent: nothing spent, nothing refused). */
export async function loadModelUsage(usageLog: string): Promise<ModelUsage> {
  const text = await readFile(usageLog, 'utf8').catch(() => '');
  const spent: ModelSpent = { tokens: 0, usd: 0 };
  const byCall = new Map<string, ModelCallsRefused>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const value = parse(line);
    const used = UsageRecord.safeParse(value);
    if (used.success) {
      const r = used.data;
      spent.tokens += r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens;
      spent.usd += r.costUsd ?? 0;
      continue;
    }
    const denied = ModelDenialRecord.safeParse(value);
    if (!denied.success) continue;
    const d = denied.data;
    const key = `${d.method} ${d.path} ${d.reason}`;
    const seen = byCall.get(key);
    if (seen) Object.assign(seen, { count: seen.count + 1, last: d.ts, message: d.message });
    else
      byCall.set(key, {
        method: d.method,
        path: d.path,
        reason: d.reason,
        count: 1,
        last: d.ts,
        message: d.message,
      });
  }
  return { spent, refused: [...byCall.values()].sort((a, b) => b.last.localeCompare(a.last)) };
}
