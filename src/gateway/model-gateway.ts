/**
 * The model-API gateway: a reverse proxy the agent reaches as `ANTHROPIC_BASE_URL` or
 * `OPENAI_BASE_URL`, holding a placeholder key. It drops whatever credential the agent
 * sent, adds the real key (held only in this process's memory), forwards to the upstream
 * API, and streams the answer back as it arrives — SSE events are written through one by
 * one, never collected. On the way past it reads the token usage into a `UsageRecord`
 * (callback + a line in the usage log).
 *
 * The key is never written anywhere: not in the usage log, not in an error sent back to
 * the agent (every message that leaves goes through a redactor holding the key).
 */
import {
  Agent as HttpAgent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Redactor } from '../lib/redactor.js';
import { endToEndHeaders } from './hop-headers.js';
import { openNdjsonLog } from './ndjson-log.js';
import { costOf, type PriceTable } from './usage-cost.js';
import { createUsageMeter } from './usage-meter.js';
import type { ModelApi, UsageRecord } from './usage-record.js';

/** How the real key is sent upstream. */
export type KeyAuth = 'x-api-key' | 'bearer';

export interface ModelGatewayOptions {
  api: ModelApi;
  /** Base URL of the real API, e.g. `https://api.anthropic.com`; the request path is appended. */
  upstream: string;
  /** The real key. */
  key: string;
  /**
   * Anthropic: `x-api-key` for API keys, `bearer` for OAuth tokens (default: `bearer` when
   * the key looks like one, `sk-ant-oat…`). OpenAI: always `bearer`.
   */
  auth?: KeyAuth;
  host?: string;
  port?: number;
  usageLogPath?: string | null;
  onUsage?: (record: UsageRecord) => void;
  onError?: (message: string) => void;
  prices?: PriceTable;
}

export interface ModelGateway extends AsyncDisposable {
  /** What the agent's base URL should say (add `/v1` for OpenAI clients that expect it). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Credentials an agent might send; all are dropped before the real key is added. */
const agentCredentials = ['x-api-key', 'authorization', 'cookie', 'host', 'accept-encoding'];
const oauthBeta = 'oauth-2025-04-20';

function authFor(options: ModelGatewayOptions): KeyAuth {
  if (options.api === 'openai') return 'bearer';
  return options.auth ?? (options.key.startsWith('sk-ant-oat') ? 'bearer' : 'x-api-key');
}

function upstreamHeaders(req: IncomingMessage, options: ModelGatewayOptions, target: URL) {
  const headers: OutgoingHttpHeaders = endToEndHeaders(req.headers, agentCredentials);
  headers.host = target.host;
  // Usage is read from the bytes going past: ask for them uncompressed.
  headers['accept-encoding'] = 'identity';
  if (authFor(options) === 'x-api-key') headers['x-api-key'] = options.key;
  else headers.authorization = `Bearer ${options.key}`;
  if (options.api === 'anthropic' && authFor(options) === 'bearer') {
    const beta = String(headers['anthropic-beta'] ?? '');
    if (
      !beta
        .split(',')
        .map((b) => b.trim())
        .includes(oauthBeta)
    ) {
      headers['anthropic-beta'] = beta ? `${beta},${oauthBeta}` : oauthBeta;
    }
  }
  return headers;
}

function errorBody(api: ModelApi, message: string): string {
  return JSON.stringify(
    api === 'anthropic'
      ? { type: 'error', error: { type: 'api_error', message } }
      : { error: { type: 'server_error', message, code: null } },
  );
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
    res.end(errorBody(options.api, `corral gateway: ${safe}`));
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
    if (search !== undefined) target.search = search;
    const send = secure ? httpsRequest : httpRequest;
    const upstream = send(target, {
      method: req.method,
      headers: upstreamHeaders(req, options, target),
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
      res.writeHead(status, endToEndHeaders(answer.headers));
      res.flushHeaders();
      answer.on('data', (chunk: Buffer) => {
        meter.push(chunk);
        // Written through as it comes: an SSE event reaches the agent when the API sends it.
        if (!res.write(chunk)) {
          answer.pause();
          res.once('drain', () => answer.resume());
        }
      });
      answer.on('error', (error) => fail(res, 502, `upstream stream broke: ${error.message}`));
      answer.on('end', () => {
        res.end();
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
