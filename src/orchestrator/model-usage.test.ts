import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelUsage } from './model-usage.js';

const used = (ts: string, tokens: number, costUsd: number | null) => ({
  ts,
  api: 'anthropic',
  path: '/v1/messages',
  status: 200,
  stream: true,
  model: 'claude-x',
  inputTokens: tokens,
  outputTokens: tokens,
  cacheReadTokens: tokens,
  cacheWriteTokens: tokens,
  costUsd,
  durationMs: 5,
});
const refused = (ts: string, path: string) => ({
  ts,
  denied: true,
  api: 'anthropic',
  method: 'GET',
  path,
  reason: 'not-allowed',
  message: `refused: GET ${path}`,
  model: null,
  status: 403,
});

describe('loadModelUsage', () => {
  it('sums what every run spent and the refusals per call, skipping what is not a record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-usage-'));
    const log = join(dir, 'usage.log');
    const lines = [
      used('2026-01-01T00:00:00Z', 10, 0.5),
      refused('2026-01-01T00:00:01Z', '/v1/files'),
      used('2026-01-02T00:00:00Z', 5, null),
      refused('2026-01-02T00:00:02Z', '/v1/files'),
      refused('2026-01-02T00:00:03Z', '/v1/messages/batches'),
      { ...used('2026-01-03T00:00:00Z', 1e6, 9), inputTokens: -1 },
    ].map((r) => JSON.stringify(r));
    await writeFile(log, [...lines, 'not json', '{"denied":true}', ''].join('\n'));
    const usage = await loadModelUsage(log);
    expect(usage.spent).toEqual({ tokens: 60, usd: 0.5 });
    expect(usage.refused).toEqual([
      {
        method: 'GET',
        path: '/v1/messages/batches',
        reason: 'not-allowed',
        count: 1,
        last: '2026-01-02T00:00:03Z',
        message: 'refused: GET /v1/messages/batches',
      },
      {
        method: 'GET',
        path: '/v1/files',
        reason: 'not-allowed',
        count: 2,
        last: '2026-01-02T00:00:02Z',
        message: 'refused: GET /v1/files',
      },
    ]);
    expect(await loadModelUsage(join(dir, 'missing.log'))).toEqual({
      spent: { tokens: 0, usd: 0 },
      refused: [],
    });
  });
});
