/**
 * The model-API gateway as an agent and the real API see it. The agent holds a
 * placeholder key; the API (the stand-ins, behind a small relay that records the
 * credentials it is sent) must see the real key and never the placeholder; answers stream
 * through event by event; usage lands in the usage log with the stand-in's numbers; and
 * the real key appears in nothing the gateway writes or answers. All on loopback.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ModelPolicy,
  startModelGateway,
  type ModelGateway,
  type ModelGatewayOptions,
  type UsageRecord,
} from '../../src/gateway/index.js';
import {
  defaultUsage as anthropicUsage,
  startAnthropicStandIn,
  type AnthropicStandIn,
} from '../helpers/stand-in/anthropic-stand-in.js';
import {
  defaultUsage as openaiUsage,
  startOpenAIStandIn,
  type OpenAIStandIn,
} from '../helpers/stand-in/openai-stand-in.js';

const realKey = 'sk-ant-api03-REAL-secret-key-0123456789';
const placeholder = 'sk-placeholder-from-the-sandbox';

let dir: string;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-model-gw-'));
});

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A relay in front of a stand-in that records the headers it was sent, and streams through. */
async function recordingRelay(to: string): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const target = new URL(to);
  const seen: IncomingHttpHeaders[] = [];
  const url = await listen(
    createServer((req, res) => {
      seen.push(req.headers);
      const out = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(out);
    }),
  );
  return { url, seen };
}

async function gateway(
  api: 'anthropic' | 'openai',
  upstream: string,
  usage: UsageRecord[],
  errors: string[] = [],
  key = realKey,
  more: Partial<ModelGatewayOptions> = {},
): Promise<ModelGateway> {
  const gw = await startModelGateway({
    api,
    upstream,
    key,
    usageLogPath: join(dir, 'usage.log'),
    onUsage: (r) => usage.push(r),
    onError: (m) => errors.push(m),
    ...more,
  });
  closers.push(() => gw.close());
  return gw;
}

const messagesBody = (stream: boolean) =>
  JSON.stringify({
    model: 'claude-test',
    stream,
    max_tokens: 100,
    tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
  });

async function usageLog(): Promise<string> {
  return readFile(join(dir, 'usage.log'), 'utf8');
}

describe('model gateway', () => {
  it('forwards to Anthropic with the real key, never the placeholder, and records usage (JSON and SSE)', async () => {
    const api: AnthropicStandIn = await startAnthropicStandIn({
      script: [{ text: 'Hi there.' }, { text: 'Again.' }],
    });
    closers.push(() => api.close());
    const relay = await recordingRelay(api.url);
    const usage: UsageRecord[] = [];
    const gw = await gateway('anthropic', relay.url, usage);

    const json = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': placeholder,
        authorization: `Bearer ${placeholder}`,
      },
      body: messagesBody(false),
    });
    expect(json.status).toBe(200);
    expect(((await json.json()) as { content: Array<{ text: string }> }).content[0]?.text).toBe(
      'Hi there.',
    );

    const sse = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': placeholder },
      body: messagesBody(true).replace('hello', 'hello again'),
    });
    expect(sse.headers.get('content-type')).toBe('text/event-stream');
    expect(await sse.text()).toContain('Again.');

    expect(relay.seen).toHaveLength(2);
    for (const headers of relay.seen) {
      expect(headers['x-api-key']).toBe(realKey);
      expect(headers.authorization).toBeUndefined();
      expect(JSON.stringify(headers)).not.toContain(placeholder);
    }
    expect(api.turns()).toHaveLength(2);

    const expected = {
      api: 'anthropic',
      path: '/v1/messages',
      status: 200,
      model: 'claude-test',
      inputTokens: anthropicUsage.input_tokens,
      outputTokens: anthropicUsage.output_tokens,
      cacheReadTokens: anthropicUsage.cache_read_input_tokens,
      cacheWriteTokens: anthropicUsage.cache_creation_input_tokens,
      costUsd: null,
    };
    expect(usage).toMatchObject([
      { ...expected, stream: false },
      { ...expected, stream: true },
    ]);
    await gw.close();
    const logged = (await usageLog())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as UsageRecord);
    expect(logged).toEqual(usage);
  });

  it('sends an OAuth token as a bearer token with the OAuth beta', async () => {
    const api = await startAnthropicStandIn({ script: [] });
    closers.push(() => api.close());
    const relay = await recordingRelay(api.url);
    const oauth = 'sk-ant-oat01-REAL-oauth-token-987654321';
    const gw = await gateway('anthropic', relay.url, [], [], oauth);
    await (
      await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': placeholder, 'anthropic-beta': 'x-1' },
        body: messagesBody(false),
      })
    ).text();
    expect(relay.seen[0]?.authorization).toBe(`Bearer ${oauth}`);
    expect(relay.seen[0]?.['x-api-key']).toBeUndefined();
    expect(relay.seen[0]?.['anthropic-beta']).toBe('x-1,oauth-2025-04-20');
  });

  it('forwards to OpenAI Responses with the real key as a bearer token and records usage', async () => {
    const api: OpenAIStandIn = await startOpenAIStandIn({ script: [{ text: 'Done.' }] });
    closers.push(() => api.close());
    const relay = await recordingRelay(api.url);
    const usage: UsageRecord[] = [];
    const key = 'sk-proj-REAL-openai-key-abcdef0123';
    // The upstream's own base path (a proxy's, say), and an agent whose base URL has none.
    const gw = await gateway('openai', `${relay.url}/v1`, usage, [], key, { pathPrefix: '' });
    const res = await fetch(`${gw.url}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${placeholder}` },
      body: JSON.stringify({
        model: 'gpt-test',
        stream: true,
        input: [{ type: 'message', role: 'user', content: 'hi' }],
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('response.completed');
    expect(relay.seen[0]?.authorization).toBe(`Bearer ${key}`);
    expect(JSON.stringify(relay.seen)).not.toContain(placeholder);
    expect(usage).toMatchObject([
      {
        api: 'openai',
        path: '/v1/responses',
        stream: true,
        inputTokens: openaiUsage.input_tokens - openaiUsage.cached_tokens,
        cacheReadTokens: openaiUsage.cached_tokens,
        outputTokens: openaiUsage.output_tokens,
      },
    ]);
  });

  it.each([
    ['with no model limit', {}],
    // The body is then read whole for its model; the answer must still stream.
    ['with the model pinned', { policy: ModelPolicy.parse({ model: 'claude-test' }) }],
  ])(
    'streams SSE through event by event, %s: the first event arrives before the API has finished',
    async (_, more) => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let finished = false;
      const upstream = await listen(
        createServer((req, res) => {
          req.resume();
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const event = (data: Record<string, unknown>) =>
            res.write(`event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`);
          event({
            type: 'message_start',
            message: { model: 'claude-slow', usage: { input_tokens: 11, output_tokens: 1 } },
          });
          // The rest only once the test has seen the first event arrive through the gateway.
          void released.then(() => {
            event({ type: 'message_delta', usage: { output_tokens: 22 } });
            event({ type: 'message_stop' });
            finished = true;
            res.end();
          });
        }),
      );
      const usage: UsageRecord[] = [];
      const gw = await gateway('anthropic', upstream, usage, [], realKey, more);
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        body: messagesBody(true),
      });
      if (!res.body) throw new Error('no body');
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      const first = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('no first event within 5 s')), 5000),
        ),
      ]);
      expect(decoder.decode(first.value)).toContain('message_start');
      expect(finished).toBe(false);
      release();
      let rest = '';
      for (let i = 0; i < 100; i++) {
        const { done, value } = await reader.read();
        if (done) break;
        rest += decoder.decode(value);
      }
      expect(finished).toBe(true);
      expect(rest).toContain('message_stop');
      expect(usage).toMatchObject([{ model: 'claude-slow', inputTokens: 11, outputTokens: 22 }]);
    },
  );

  it('keeps the real key out of its logs and error messages', async () => {
    const usage: UsageRecord[] = [];
    const errors: string[] = [];
    // An upstream that refuses connections, and one whose URL carries the key (a misconfiguration).
    const gw = await gateway('anthropic', 'http://127.0.0.1:9', usage, errors);
    const res = await fetch(`${gw.url}/v1/messages?beta=${realKey}`, {
      method: 'POST',
      headers: { 'x-api-key': placeholder },
      body: messagesBody(false),
    });
    expect(res.status).toBe(502);
    const body = await res.text();
    expect(body).toContain('corral gateway');
    expect(body).not.toContain(realKey);

    const leaky = await gateway('anthropic', `http://127.0.0.1:9/${realKey}`, usage, errors);
    const res2 = await fetch(`${leaky.url}/v1/messages`, {
      method: 'POST',
      body: messagesBody(false),
    });
    expect(res2.status).toBe(502);
    expect(await res2.text()).not.toContain(realKey);

    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).not.toContain(realKey);
    await gw.close();
    await leaky.close();
    expect(await usageLog().catch(() => '')).not.toContain(realKey);
  });
});
