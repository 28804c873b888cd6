/**
 * What the model gateway lets an agent do with the real key, seen from both sides on
 * loopback: the agent (raw HTTP requests, sent byte for byte, so `..`, `%2f` and `//` reach
 * the gateway as written) and an upstream that records every request it gets. Calls off
 * the list, disguised paths, other methods and models not allowed are answered with a 403
 * in the API's own shape, logged as refusals and never reach upstream, while an allowed
 * call from the same client does; a pinned model is rewritten when asked; past the budget
 * the answer is the quota error the CLI stops on; past --rpm calls wait, and a flood is
 * refused.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ModelPolicy,
  startModelGateway,
  type ModelApi,
  type ModelDenialRecord,
  type ModelGateway,
  type ModelGatewayOptions,
} from '../../src/gateway/index.js';

const realKey = 'sk-REAL-scoped-key-5e6f7a8b9c0d';
const placeholder = 'corral-placeholder-key';

let dir: string;
const closers: Array<() => Promise<void>> = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-model-scope-'));
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await rm(dir, { recursive: true, force: true });
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An upstream that records what reaches it and answers like its API, with 10+5 tokens. */
async function recordingApi(api: ModelApi): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const model = req.url?.match(/models\/([^:/?]+)/)?.[1] ?? 'm';
      const answer =
        api === 'google'
          ? {
              modelVersion: model,
              usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5 },
            }
          : { model: 'upstream-model', usage: { input_tokens: 10, output_tokens: 5 } };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function gateway(
  api: ModelApi,
  upstream: string,
  more: Partial<ModelGatewayOptions> = {},
): Promise<ModelGateway> {
  const gw = await startModelGateway({
    api,
    upstream,
    key: realKey,
    usageLogPath: join(dir, 'usage.log'),
    ...more,
  });
  closers.push(() => gw.close());
  return gw;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with its target sent exactly as given (no client-side URL normalising). */
function send(
  gw: ModelGateway,
  method: string,
  target: string,
  body?: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: gw.port,
        method,
        path: target,
        signal,
        headers: {
          'content-type': 'application/json',
          'x-api-key': placeholder,
          authorization: `Bearer ${placeholder}`,
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function refusals(): Promise<ModelDenialRecord[]> {
  const text = await readFile(join(dir, 'usage.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ModelDenialRecord & { denied?: boolean })
    .filter((r) => r.denied === true);
}

const secretBody = 'secret-prompt-text-4711';

/** Per API: the allowed call (with the pinned model), and calls to refuse. */
const cases: Array<{
  api: ModelApi;
  allowed: { method: string; target: string; body?: unknown };
  probes: Array<[name: string, method: string, target: string, body?: unknown]>;
  shape: (body: unknown) => void;
}> = [
  {
    api: 'anthropic',
    allowed: { method: 'POST', target: '/v1/messages?beta=true', body: { model: 'pinned-1' } },
    probes: [
      ['file listing', 'GET', '/v1/files'],
      ['file download', 'GET', '/v1/files/file_011CNha8iCJcU1wXNR6q4V8w/content'],
      ['batch creation', 'POST', '/v1/messages/batches', { requests: [] }],
      ['an unknown path', 'POST', '/v1/secret-admin-thing', {}],
      ['a .. path', 'POST', '/v1/messages/../files', {}],
      ['an encoded slash', 'POST', '/v1/messages%2F..%2Ffiles', {}],
      ['an encoded dot-dot', 'POST', '/v1/%2e%2e/v1/files', {}],
      ['a double slash', 'POST', '//v1/messages', { model: 'pinned-1' }],
      ['another method', 'DELETE', '/v1/messages'],
      ['a query naming another target', 'POST', '/v1/messages?beta=true&path=/v1/files', {}],
      ['a model not allowed', 'POST', '/v1/messages', { model: 'claude-opus-expensive' }],
    ],
    shape: (body) =>
      expect(body).toMatchObject({ type: 'error', error: { type: 'permission_error' } }),
  },
  {
    api: 'openai',
    allowed: { method: 'POST', target: '/v1/responses', body: { model: 'pinned-1' } },
    probes: [
      ['file listing', 'GET', '/v1/files'],
      ['file download', 'GET', '/v1/files/file-abc123/content'],
      ['batch creation', 'POST', '/v1/batches', { input_file_id: 'file-abc123' }],
      ['fine-tuning', 'POST', '/v1/fine_tuning/jobs', {}],
      ['an unknown path', 'GET', '/v1/organization/admin_api_keys'],
      ['a .. path', 'POST', '/v1/responses/../files', {}],
      ['an encoded slash', 'POST', '/v1/responses%2F..%2Fbatches', {}],
      ['another method', 'GET', '/v1/responses'],
      ['a model not allowed', 'POST', '/v1/responses', { model: 'o3-pro-expensive' }],
    ],
    shape: (body) =>
      expect(body).toMatchObject({
        error: { type: 'invalid_request_error', code: 'permission_denied', param: null },
      }),
  },
  {
    api: 'google',
    allowed: {
      method: 'POST',
      target: '/v1beta/models/pinned-1:streamGenerateContent?alt=sse',
      body: {},
    },
    probes: [
      ['file listing', 'GET', '/v1beta/files'],
      ['file download', 'GET', '/v1beta/files/abc:download?alt=media'],
      ['batch creation', 'POST', '/v1beta/models/pinned-1:batchGenerateContent', {}],
      ['an unknown path', 'POST', '/v1beta/cachedContents', {}],
      ['a .. path', 'POST', '/v1beta/models/../files', {}],
      ['an encoded slash', 'POST', '/v1beta/models/pinned-1%2F..%2F..%2Ffiles:generateContent', {}],
      ['another method', 'GET', '/v1beta/models/pinned-1:generateContent'],
      ['a model not allowed', 'POST', '/v1beta/models/gemini-ultra:generateContent', {}],
    ],
    shape: (body) =>
      expect(body).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } }),
  },
];

describe('model gateway scope', () => {
  it.each(cases)(
    '$api: refuses every call off the list in its own shape, logs it, never forwards it; the allowed call goes through',
    async ({ api, allowed, probes, shape }) => {
      const upstream = await recordingApi(api);
      const gw = await gateway(api, upstream.url, {
        policy: ModelPolicy.parse({ model: 'pinned-1' }),
      });
      for (const [name, method, target, body] of probes) {
        const answer = await send(
          gw,
          method,
          target,
          body === undefined ? undefined : { ...(body as object), note: secretBody },
        );
        expect(answer.status, name).toBe(403);
        shape(JSON.parse(answer.body));
        expect(answer.body, name).toContain('corral gateway: refused');
        expect(answer.body, name).not.toContain(realKey);
      }
      // The positive control, from the same client: it reaches the API, with the real key.
      const ok = await send(gw, allowed.method, allowed.target, allowed.body);
      expect(ok.status).toBe(200);
      expect(upstream.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
        `${allowed.method} ${allowed.target}`,
      ]);
      expect(JSON.stringify(upstream.seen)).not.toContain(placeholder);

      await gw.close();
      const logged = await refusals();
      expect(logged.map((r) => [r.method, r.path])).toEqual(
        probes.map(([, method, target]) => [method, target.split('?')[0]]),
      );
      for (const r of logged) expect(r).toMatchObject({ api, status: 403 });
      const text = await readFile(join(dir, 'usage.log'), 'utf8');
      // Method and path only: no body, no key, no query.
      expect(text).not.toContain(secretBody);
      expect(text).not.toContain(realKey);
      expect(text).not.toContain('alt=media');
      expect(logged.find((r) => r.reason === 'model')?.message).toMatch(/may not use the model/);
    },
  );

  it('strips method overrides and keeps the call it checked', async () => {
    const upstream = await recordingApi('anthropic');
    const gw = await gateway('anthropic', upstream.url);
    await send(gw, 'POST', '/v1/messages', { model: 'm' }, { 'x-http-method-override': 'DELETE' });
    expect(upstream.seen[0]?.method).toBe('POST');
    expect(upstream.seen[0]?.headers['x-http-method-override']).toBeUndefined();
  });

  it('adds a call for one instance with --allow-model-api, and only that one', async () => {
    const upstream = await recordingApi('anthropic');
    const gw = await gateway('anthropic', upstream.url, {
      policy: ModelPolicy.parse({ allowApi: ['POST /v1/messages/batches'] }),
    });
    expect((await send(gw, 'POST', '/v1/messages/batches', {})).status).toBe(200);
    expect((await send(gw, 'GET', '/v1/messages/batches')).status).toBe(403);
    expect(upstream.seen.map((s) => s.url)).toEqual(['/v1/messages/batches']);
  });

  it('rewrites a call for another model to the pinned one when asked (body and path)', async () => {
    const policy = ModelPolicy.parse({ model: 'pinned-1', rewriteModel: true });
    const anthropic = await recordingApi('anthropic');
    const a = await gateway('anthropic', anthropic.url, { policy });
    expect((await send(a, 'POST', '/v1/messages', { model: 'other', max_tokens: 9 })).status).toBe(
      200,
    );
    expect(JSON.parse(anthropic.seen[0]?.body ?? '')).toEqual({ model: 'pinned-1', max_tokens: 9 });
    const google = await recordingApi('google');
    const g = await gateway('google', google.url, { policy });
    await send(g, 'POST', '/v1beta/models/gemini-ultra:generateContent?alt=sse', {});
    expect(google.seen[0]?.url).toBe('/v1beta/models/pinned-1:generateContent?alt=sse');
  });

  it.each([
    ['anthropic', '/v1/messages', { model: 'm' }],
    ['openai', '/v1/responses', { model: 'm' }],
    ['google', '/v1beta/models/m:generateContent', {}],
  ] as const)(
    '%s: past the token budget, answers with the quota error and forwards nothing more',
    async (api, target, body) => {
      const upstream = await recordingApi(api);
      // One call reports 15 tokens: the first goes, and spends the budget.
      const gw = await gateway(api, upstream.url, {
        policy: ModelPolicy.parse({ budget: { tokens: 15 } }),
      });
      expect((await send(gw, 'POST', target, body)).status).toBe(200);
      const spent = await send(gw, 'POST', target, body);
      expect(spent.status).toBe(429);
      expect(spent.body).toContain('the budget is spent: 15 of 15 tokens');
      if (api === 'anthropic') expect(spent.headers['x-should-retry']).toBe('false');
      if (api === 'openai')
        expect(JSON.parse(spent.body)).toMatchObject({ error: { code: 'insufficient_quota' } });
      if (api === 'google') expect(spent.body).toContain('PerDay');
      expect(upstream.seen).toHaveLength(1);
      await gw.close();
      expect((await refusals()).map((r) => r.reason)).toEqual(['budget']);
    },
  );

  it('counts dollars with the prices, and refuses a model without one under a dollar budget', async () => {
    const upstream = await recordingApi('anthropic');
    const gw = await gateway('anthropic', upstream.url, {
      policy: ModelPolicy.parse({ budget: { usd: 0.0001 } }),
      // 10 in + 5 out at 1 and 10 USD per million: $0.00006 a call.
      prices: { priced: { input: 1, output: 10 } },
    });
    expect((await send(gw, 'POST', '/v1/messages', { model: 'unpriced' })).status).toBe(403);
    expect((await send(gw, 'POST', '/v1/messages', { model: 'priced-1' })).status).toBe(200);
    expect((await send(gw, 'POST', '/v1/messages', { model: 'priced-1' })).status).toBe(200);
    expect((await send(gw, 'POST', '/v1/messages', { model: 'priced-1' })).status).toBe(429);
    expect(upstream.seen).toHaveLength(2);
    await gw.close();
    expect((await refusals()).map((r) => r.reason)).toEqual(['no-price', 'budget']);
  });

  it('holds a call past --rpm until its turn, and refuses a flood', async () => {
    const upstream = await recordingApi('openai');
    const gw = await gateway('openai', upstream.url, {
      policy: ModelPolicy.parse({ budget: { rpm: 1 } }),
    });
    expect((await send(gw, 'POST', '/v1/responses', { model: 'm' })).status).toBe(200);
    // Of the next two, one waits for the minute to pass, the other finds the queue full.
    const waiting = new AbortController();
    const next = [1, 2].map(() =>
      send(gw, 'POST', '/v1/responses', { model: 'm' }, {}, waiting.signal).catch(() => null),
    );
    const refused = await Promise.race(next);
    expect(refused?.status).toBe(429);
    expect(refused?.headers['retry-after']).toBe('10');
    expect(JSON.parse(refused?.body ?? '')).toMatchObject({
      error: { code: 'rate_limit_exceeded' },
    });
    expect(upstream.seen).toHaveLength(1);
    waiting.abort();
    await Promise.all(next);
    await gw.close();
    expect((await refusals()).map((r) => r.reason)).toEqual(['rate']);
  });
});
