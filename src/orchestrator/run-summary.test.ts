import { describe, expect, it } from 'vitest';
import type { CorralEvent } from '../events/index.js';
import type { Metadata } from '../state/index.js';
import { countNumstat, SummaryCollector } from './run-summary.js';

const at = { v: 1 as const, ts: '2026-11-26T10:00:00.000Z', id: 'claude-k3x9q' };
const tokens = { cacheReadTokens: 0, cacheWriteTokens: 0, model: 'm' };
const reported: CorralEvent = {
  ...at,
  ...tokens,
  type: 'agent.usage',
  inputTokens: 100,
  outputTokens: 10,
  costUsd: 0.5,
};
const metered = (costUsd: number | null): CorralEvent => ({
  ...at,
  ...tokens,
  type: 'gateway.usage',
  api: 'anthropic',
  path: '/v1/messages',
  status: 200,
  inputTokens: 60,
  outputTokens: 6,
  costUsd,
  durationMs: 5,
});
const egress = (allowed: boolean, host = 'x.test'): CorralEvent => ({
  ...at,
  type: 'egress',
  kind: 'connect',
  host,
  port: 443,
  allowed,
  reason: allowed ? null : 'not on the allowlist',
  bytesUp: 0,
  bytesDown: 0,
  durationMs: 1,
  status: null,
});

const raw = (line: string, stream: 'stdout' | 'stderr' = 'stderr'): CorralEvent => ({
  ...at,
  type: 'raw',
  line,
  stream,
});

async function summarize(events: CorralEvent[], readOutput?: string[]) {
  const c = new SummaryCollector();
  if (readOutput) c.readOutput(readOutput);
  for (const e of events) c.add(e);
  return c.finish({} as Metadata, null);
}

describe('SummaryCollector', () => {
  it('takes what the agent reported when nothing was metered', async () => {
    expect(await summarize([reported])).toMatchObject({ inputTokens: 100, costUsd: 0.5 });
  });

  it('takes the metered tokens over the reported ones, and the agent’s cost without prices', async () => {
    const s = await summarize([reported, metered(null), metered(null)]);
    expect(s).toMatchObject({ inputTokens: 120, outputTokens: 12, costUsd: 0.5 });
    expect((await summarize([reported, metered(0.25)])).costUsd).toBe(0.25);
  });

  it('counts the connections the egress policy refused', async () => {
    expect((await summarize([egress(true), egress(false), egress(false)])).egressDenied).toBe(2);
  });

  it('names the hosts the egress policy refused, once each', async () => {
    const s = await summarize([
      egress(false, 'a.test'),
      egress(true, 'b.test'),
      egress(false, 'a.test'),
    ]);
    expect(s.unreachableHosts).toEqual(['a.test']);
  });

  it('reads the hosts a tool could not reach from the output where no gateway logs them', async () => {
    const lines = [
      raw(
        'npm error request to https://registry.npmjs.org/x failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org',
      ),
      raw(
        "fatal: unable to access 'https://github.com/o/r/': Could not resolve host: github.com",
        'stdout',
      ),
    ];
    expect((await summarize(lines, [])).unreachableHosts).toEqual([
      'registry.npmjs.org',
      'github.com',
    ]);
    // A host the allowlist holds failed for another reason: no hint would help.
    expect((await summarize(lines, ['*.github.com', 'github.com'])).unreachableHosts).toEqual([
      'registry.npmjs.org',
    ]);
    // Behind the gateway the output proves nothing: the egress log is the truth there.
    expect((await summarize(lines)).unreachableHosts).toEqual([]);
  });

  it('counts the model calls the gateway refused', async () => {
    const refused: CorralEvent = {
      ...at,
      type: 'gateway.denied',
      api: 'openai',
      method: 'POST',
      path: '/v1/batches',
      reason: 'not-allowed',
      message: 'refused',
      model: null,
      status: 403,
    };
    const s = await summarize([metered(null), refused, refused]);
    expect(s).toMatchObject({ modelCallsDenied: 2, egressDenied: 0, inputTokens: 60 });
  });
});

describe('countNumstat', () => {
  it('adds up the lines of each file, a binary file counting as a file with none', () => {
    expect(countNumstat('3\t1\ta.txt\n-\t-\tlogo.png\n10\t0\tsrc/b.ts\n')).toEqual({
      filesChanged: 3,
      linesAdded: 13,
      linesDeleted: 1,
    });
  });

  it('says nothing changed for an empty diff', () => {
    expect(countNumstat('')).toEqual({ filesChanged: 0, linesAdded: 0, linesDeleted: 0 });
  });
});
