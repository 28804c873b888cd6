/**
 * The model gateway speaking the Gemini API, against a real local HTTP server standing in
 * for generativelanguage.googleapis.com that records every request it gets. The agent's
 * credential (header or `key=` parameter) never reaches it, the real key arrives as
 * `x-goog-api-key`, the real key comes back in nothing the agent receives, SSE streams
 * through chunk by chunk, and the usage of the last `usageMetadata` is recorded.
 */
import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type IncomingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startModelGateway, type ModelGateway } from './model-gateway.js';
import type { UsageRecord } from '../protocol/usage-record.js';

const realKey = 'AIzaSy-REAL-gemini-key-0123456789abcdef';
const placeholder = 'corral-placeholder-key';
const path = '/v1beta/models/gemini-2.5-pro';

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A stand-in upstream: records each request, then answers with `handler`. */
async function upstream(
  handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const record = { method: req.method, url: req.url, headers: req.headers, body };
      seen.push(record);
      handler(req, res, record);
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

async function gateway(to: string, usage: UsageRecord[] = [], errors: string[] = []) {
  const gw: ModelGateway = await startModelGateway({
    api: 'google',
    upstream: to,
    key: realKey,
    onUsage: (r) => usage.push(r),
    onError: (m) => errors.push(m),
  });
  closers.push(() => gw.close());
  return gw;
}

const response = (usage: Record<string, number>, text: string) => ({
  candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0 }],
  usageMetadata: usage,
  modelVersion: 'gemini-2.5-pro',
});

const request = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello' }] }] });

describe('model gateway: google (Gemini API)', () => {
  it('drops the agent’s x-goog-api-key and key= parameter, sends the real key, keeps the rest', async () => {
    const api = await upstream((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(response({ promptTokenCount: 12, candidatesTokenCount: 3 }, 'Hi.')));
    });
    const usage: UsageRecord[] = [];
    const gw = await gateway(api.url, usage);
    const res = await fetch(
      `${gw.url}${path}:generateContent?key=${placeholder}&alt=json&%6Bey=${placeholder}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-goog-api-key': placeholder,
          authorization: `Bearer ${placeholder}`,
          'x-goog-api-client': 'google-genai-sdk/1.0 gl-node/20',
        },
        body: request,
      },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as ReturnType<typeof response>).candidates[0]?.index).toBe(0);

    expect(api.seen).toHaveLength(1);
    const [sent] = api.seen;
    expect(sent?.url).toBe(`${path}:generateContent?alt=json`);
    expect(sent?.headers['x-goog-api-key']).toBe(realKey);
    expect(sent?.headers.authorization).toBeUndefined();
    expect(sent?.headers['x-goog-api-client']).toBe('google-genai-sdk/1.0 gl-node/20');
    expect(sent?.body).toBe(request);
    expect(JSON.stringify(api.seen)).not.toContain(placeholder);
    expect(usage).toMatchObject([
      {
        api: 'google',
        path: `${path}:generateContent`,
        status: 200,
        stream: false,
        model: 'gemini-2.5-pro',
        inputTokens: 12,
        outputTokens: 3,
        cacheReadTokens: 0,
      },
    ]);
  });

  it('streams alt=sse through chunk by chunk, and records the last usageMetadata', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    const api = await upstream((_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\r\n\r\n`);
      event(response({ promptTokenCount: 900 }, 'First'));
      // The rest only once the test has seen the first chunk arrive through the gateway.
      void released.then(() => {
        event(response({ promptTokenCount: 900, candidatesTokenCount: 2 }, ' and'));
        event(
          response(
            {
              promptTokenCount: 900,
              cachedContentTokenCount: 800,
              candidatesTokenCount: 7,
              thoughtsTokenCount: 4,
            },
            ' last.',
          ),
        );
        finished = true;
        res.end();
      });
    });
    const usage: UsageRecord[] = [];
    const gw = await gateway(api.url, usage);
    const res = await fetch(`${gw.url}${path}:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': placeholder },
      body: request,
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    if (!res.body) throw new Error('no body');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const first = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no first chunk within 5 s')), 5000),
      ),
    ]);
    expect(decoder.decode(first.value)).toContain('First');
    expect(finished).toBe(false);
    release();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
    }
    expect(rest).toContain(' last.');
    expect(api.seen[0]?.url).toBe(`${path}:streamGenerateContent?alt=sse`);
    expect(api.seen[0]?.headers['x-goog-api-key']).toBe(realKey);
    // Recorded once the upstream's end has gone past, which may be just after the agent's.
    for (let i = 0; i < 100 && usage.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(usage).toMatchObject([
      {
        api: 'google',
        stream: true,
        model: 'gemini-2.5-pro',
        inputTokens: 100,
        cacheReadTokens: 800,
        outputTokens: 11,
      },
    ]);
  });

  it('never lets the real key back to the agent: an upstream error quoting it is redacted', async () => {
    const api = await upstream((req, res) => {
      // A hostile or careless upstream echoes the credentials it got, in body and header.
      const key = String(req.headers['x-goog-api-key']);
      const body = JSON.stringify({
        error: { code: 400, message: `API key not valid: ${key}`, status: 'INVALID_ARGUMENT' },
      });
      // Its length no longer holds once redacted: the gateway must not pass it on.
      res.writeHead(400, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-echo': `key=${key}`,
      });
      res.end(body);
    });
    const gw = await gateway(api.url);
    const res = await fetch(`${gw.url}${path}:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': placeholder },
      body: request,
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('API key not valid: [redacted]');
    expect(text).not.toContain(realKey);
    expect(res.headers.get('x-echo')).toBe('key=[redacted]');
    expect(JSON.stringify([...res.headers])).not.toContain(realKey);
  });

  it('answers its own errors as the Gemini API would, without the key', async () => {
    const errors: string[] = [];
    // Nothing listens there: the upstream fails.
    const gw = await gateway('http://127.0.0.1:9', [], errors);
    const res = await fetch(`${gw.url}${path}:generateContent?key=${placeholder}`, {
      method: 'POST',
      body: request,
    });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: number; message: string; status: string } };
    expect(body.error.code).toBe(502);
    expect(body.error.status).toBe('UNAVAILABLE');
    expect(body.error.message).toMatch(/^corral gateway: upstream http:\/\/127\.0\.0\.1:9 failed/);
    expect(JSON.stringify(body) + errors.join('\n')).not.toContain(realKey);
  });
});
