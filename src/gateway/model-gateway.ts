/**
 * The model-API gateway: a reverse proxy the agent reaches as `ANTHROPIC_BASE_URL`,
 * `OPENAI_BASE_URL` or `GOOGLE_GEMINI_BASE_URL`, holding a placeholder key. It drops
 * whatever credential the agent sent, adds the real key (held only in this process's
 * memory), forwards to the upstream API, and streams the answer back as it arrives — SSE
 * events are written through one by one, never collected. On the way past it reads the
 * token usage into a `UsageRecord` (callback + a line in the usage log). What differs
 * between the APIs is in model-apis.ts.
 *
 * The key is never written anywhere: not in the usage log, not in an error sent back to
 * the agent (every message the gateway makes, every response header, and the body of
 * every upstream error go through a redactor holding the key).
 */
import {
  Agent as HttpAgent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { Redactor } from '../lib/redactor.js';
import { endToEndHeaders } from './hop-headers.js';
import {
  getErrorBody,
  getKeyAuth,
  getUpstreamHeaders,
  getUpstreamSearch,
  type KeyAuth,
} from './model-apis.js';
import { openNdjsonLog } from './ndjson-log.js';
import { costOf, type PriceTable } from './usage-cost.js';
import { createUsageMeter } from './usage-meter.js';
import type { ModelApi, UsageRecord } from './usage-record.js';

export type { KeyAuth };

export interface ModelGatewayOptions {
  api: ModelApi;
  /** Base URL of the real API, e.g. `https://api.anthropic.com`; the request path is appended. */
  upstream: string;
  /** The real key. */
  key: string;
  /**
   * Anthropic: `x-api-key` for API keys, `bearer` for OAuth tokens (default: `bearer` when
   * the key looks like one, `sk-ant-oat…`). OpenAI: always `bearer`. Google: always
   * `x-goog-api-key`.
   */
  auth?: KeyAuth;
  host?: string;
  port?: number;
  usageLogPath?: string | null;
  onUsage?: (record: UsageRecord) => void;
  onError?: (message: string) => void;
  prices?: PriceTable;
  /** Sees every new client connection first, and may close it (client-guard.ts). */
  onConnection?: (socket: Socket) => void;
}

export interface ModelGateway extends AsyncDisposable {
  /** What the agent's base URL should say (add `/v1` for OpenAI clients that expect it). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A response's headers for the agent: end-to-end only, every value redacted. */
function redactHeaders(
  headers: IncomingHttpHeaders,
  redactor: Redactor,
  bodyChanges: boolean,
): OutgoingHttpHeaders {
  const out = endToEndHeaders(headers, bodyChanges ? ['content-length'] : []);
  for (const [name, value] of Object.entries(out)) {
    if (typeof value === 'string') out[name] = redactor.redact(value);
    else if (Array.isArray(value)) out[name] = value.map((v) => redactor.redact(v));
  }
  return out;
}

/** A body redacted as it streams: bytes in, text out (a key split across chunks included). */
function redactedBody(redactor: Redactor): { push(chunk: Buffer): string; end(): string } {
  const decoder = new StringDecoder('utf8');
  const stream = redactor.stream();
  return {
    push: (chunk) => stream.push(decoder.write(chunk)),
    end: () => stream.push(decoder.end()) + stream.end(),
  };
}

/**
 * Starts one gateway for one API.
 *
 * @example
 *   const gw = await startModelGateway({ api: 'anthropic', upstream: 'https://api.anthropic.com', key });
 *   // in the sandbox: ANTHROPIC_BASE_URL=gw.url ANTHROPIC_API_KEY=placeholder
 */
export async function startModelGateway(options: ModelGatewayOptions): Promise<ModelGateway> {
  const base = new URL(options.upstream);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`model gateway upstream must be http(s), not ${base.protocol}`);
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const secure = base.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const redactor = new Redactor([options.key]);
  const auth = getKeyAuth(options.api, options.key, options.auth);
  const log = openNdjsonLog(options.usageLogPath ?? null, (m) =>
    options.onError?.(redactor.redact(m)),
  );
  const sockets = new Set<Socket>();

  const fail = (res: ServerResponse, status: number, message: string): void => {
    const safe = redactor.redact(message);
    options.onError?.(safe);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(getErrorBody(options.api, status, `corral gateway: ${safe}`));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    const path = req.url ?? '/';
    if (!path.startsWith('/')) {
      req.resume();
      return fail(res, 400, 'send requests to the gateway as to the API itself (origin-form path)');
    }
    const target = new URL(base.origin);
    const [pathname = '/', search] = path.split(/\?(.*)/s, 2);
    target.pathname = `${basePath}${pathname}`;
    if (search !== undefined) target.search = getUpstreamSearch(options.api, search);
    const send = secure ? httpsRequest : httpRequest;
    const upstream = send(target, {
      method: req.method,
      headers: getUpstreamHeaders(req, options.api, options.key, auth, target),
      agent,
    });
    upstream.on('error', (error) =>
      fail(res, 502, `upstream ${base.origin} failed: ${error.message}`),
    );
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('response', (answer) => {
      const contentType = answer.headers['content-type'];
      const meter = createUsageMeter(options.api, contentType);
      const status = answer.statusCode ?? 502;
      // An error may quote the request back, key included: its body is redacted (and so
      // may change length); a success streams through untouched.
      const redacted = status >= 400 ? redactedBody(redactor) : null;
      res.writeHead(status, redactHeaders(answer.headers, redactor, redacted !== null));
      res.flushHeaders();
      const write = (chunk: Buffer | string): void => {
        if (!res.write(chunk)) {
          answer.pause();
          res.once('drain', () => answer.resume());
        }
      };
      answer.on('data', (chunk: Buffer) => {
        meter.push(chunk);
        // Written through as it comes: an SSE event reaches the agent when the API sends it.
        if (!redacted) return write(chunk);
        const text = redacted.push(chunk);
        if (text) write(text);
      });
      answer.on('error', (error) => fail(res, 502, `upstream stream broke: ${error.message}`));
      answer.on('end', () => {
        res.end(redacted?.end() ?? '');
        const counts = meter.end();
        if (!counts) return;
        const record: UsageRecord = {
          ts: new Date(started).toISOString(),
          api: options.api,
          path: target.pathname,
          status,
          stream: String(contentType ?? '').startsWith('text/event-stream'),
          ...counts,
          costUsd: options.prices ? costOf(counts, options.prices) : null,
          durationMs: Date.now() - started,
        };
        log.append(record);
        try {
          options.onUsage?.(record);
        } catch {
          // A failing listener must not break the gateway.
        }
      });
    });
    req.pipe(upstream);
  };

  const server = createServer({ noDelay: true }, onRequest);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    options.onConnection?.(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await stopped;
      agent.destroy();
      await log.close();
    })());
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    close,
    [Symbol.asyncDispose]: close,
  };
}
