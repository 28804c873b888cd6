import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../events/index.js';
import { egressEvent, followGatewayLogs, usageEvent } from './gateway-log-follower.js';

const egress = {
  ts: '2026-11-26T10:00:00.000Z',
  kind: 'connect',
  host: 'evil.test',
  port: 443,
  allowed: false,
  reason: 'not on the allowlist',
  bytesUp: 0,
  bytesDown: 0,
  durationMs: 1,
  status: null,
};
const usage = {
  ts: '2026-11-26T10:00:01.000Z',
  api: 'anthropic',
  path: '/v1/messages',
  status: 200,
  stream: true,
  model: 'claude-x',
  inputTokens: 10,
  outputTokens: 5,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: null,
  durationMs: 30,
};

const denied = {
  ts: '2026-11-26T10:00:02.000Z',
  denied: true,
  api: 'anthropic',
  method: 'GET',
  path: '/v1/files',
  reason: 'not-allowed',
  message: 'refused: GET /v1/files is not a call this instance may make with the key',
  model: null,
  status: 403,
};

describe('gateway log lines → events', () => {
  it('turns records into events and anything else into nothing', () => {
    expect(egressEvent('x', JSON.stringify(egress))).toMatchObject({
      id: 'x',
      type: 'egress',
      host: 'evil.test',
      allowed: false,
    });
    expect(usageEvent('x', JSON.stringify(usage))).toMatchObject({
      type: 'gateway.usage',
      inputTokens: 10,
    });
    expect(usageEvent('x', JSON.stringify(denied))).toEqual({
      id: 'x',
      type: 'gateway.denied',
      api: 'anthropic',
      method: 'GET',
      path: '/v1/files',
      reason: 'not-allowed',
      message: denied.message,
      model: null,
      status: 403,
    });
    // Marked denied but not a refusal record: nothing (never read as metered usage).
    expect(usageEvent('x', JSON.stringify({ ...usage, denied: true }))).toBeNull();
    for (const bad of ['', 'not json', '{}', '[1]', JSON.stringify({ ...egress, port: 'x' })]) {
      expect(egressEvent('x', bad)).toBeNull();
      expect(usageEvent('x', bad)).toBeNull();
    }
  });

  it('follows from the end: earlier runs are not replayed, partial and oversized lines wait or go', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-follow-'));
    await writeFile(join(dir, 'egress.log'), `${JSON.stringify(egress)}\n`);
    const paths = { egressLog: join(dir, 'egress.log'), usageLog: join(dir, 'usage.log') };
    const seen: NewEvent[] = [];
    const follower = await followGatewayLogs('x', paths, (e) => seen.push(e));
    const line = JSON.stringify({ ...egress, host: 'new.test' });
    await appendFile(join(dir, 'egress.log'), line.slice(0, 20));
    await appendFile(join(dir, 'egress.log'), `${'y'.repeat(70 * 1024)}\n`);
    await appendFile(join(dir, 'egress.log'), `${line}\n`);
    await appendFile(join(dir, 'usage.log'), `${JSON.stringify(usage)}\n`);
    // What was written by now is read on asking, without waiting for the next poll.
    await follower.catchUp();
    expect(seen.map((e) => e.type).sort()).toEqual(['egress', 'gateway.usage']);
    await appendFile(join(dir, 'usage.log'), `${JSON.stringify(denied)}\n`);
    await follower.close();
    // The two files are read independently, so only the order within each is promised.
    expect(seen.map((e) => e.type).sort()).toEqual(['egress', 'gateway.denied', 'gateway.usage']);
    expect(seen.find((e) => e.type === 'egress')).toMatchObject({ host: 'new.test' });
  });
});
