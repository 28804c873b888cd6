/**
 * The model-API gateway: a reverse proxy the agent reaches as `ANTHROPIC_BASE_URL`,
 * `OPENAI_BASE_URL` or `GOOGLE_GEMINI_BASE_URL`, holding a placeholder key. It drops
 * whatever credential the agent sent, adds the real key (held only in this process's
 * memory), forwards to the upstream API, and streams the answer back as it arrives — SSE
 * events are written through one by one, never collected. On the way past it reads the
 * token usage into a `UsageRecord` (callback + a line in the usage log). What differs
 * between the APIs is in model-apis.ts.
 *
 * Before a call goes out it must be one the instance may make: a method and path on the
 * list (model-api-allowlist.ts, request-target.ts), a model the instance may use
 * (model-call-policy.ts), a budget not yet spent (model-spend.ts), and its turn under the
 * requests-per-minute cap (call-pacer.ts). A refused call never reaches upstream: it is
 * answered in the API's own error shape and logged (method and path, never the body) as a
 * `ModelDenialRecord` in the usage log, written before the answer is sent.
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
import { CallPacer } from './call-pacer.js';
import { endToEndHeaders } from './hop-headers.js';
import { apiBasePaths, getCallRules } from './model-api-allowlist.js';
import {
  getGatewayError,
  getKeyAuth,
  getUpstreamHeaders,
  type GatewayErrorKind,
  type KeyAuth,
} from './model-apis.js';
import {
  decideModel,
  decideTarget,
  readBodyModel,
  rewriteBodyModel,
  rewritePathModel,
  type Refusal,
} from './model-call-policy.js';
import type { ModelDenialRecord } from '../protocol/model-denial-record.js';
import { openModelPolicy, type ModelPolicy } from '../protocol/model-policy.js';
import { ModelSpend } from './model-spend.js';
import { openNdjsonLog } from './ndjson-log.js';
import { costOf, type PriceTable } from './usage-cost.js';
import { createUsageMeter } from './usage-meter.js';
import type { ModelApi, UsageCounts, UsageRecord } from '../protocol/usage-record.js';

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
  /**
   * The path the agent's base URL ends in, before the API's own paths (default: the
   * API's conventional one, `/v1` for OpenAI, else none).
   */
  pathPrefix?: string;
  /** What the instance may do besides its CLI's calls, and spend (default: no limits). */
  policy?: ModelPolicy;
  /** The spend, shared by the gateways of one instance (default: one of its own, from zero). */
  spend?: ModelSpend;
  /** The --rpm cap, shared likewise (default: one of its own when the policy sets one). */
  pacer?: CallPacer;
  onDenied?: (record: ModelDenialRecord) => void;
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

/** Bodies larger than this cannot be read for their model (the APIs take far less). */
const maxBodyBytes = 64 * 1024 * 1024;

/** All of a request's body, or null past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        parts.length = 0;
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(parts)));
    req.on('error', reject);
  });
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

  const policy = options.policy ?? openModelPolicy;
  const rules = getCallRules(options.api, policy.allowApi);
  const pathPrefix = options.pathPrefix ?? apiBasePaths[options.api];
  const spend = options.spend ?? new ModelSpend(policy.budget);
  const ownPacer = !options.pacer && policy.budget.rpm ? new CallPacer(policy.budget.rpm) : null;
  const pacer = options.pacer ?? ownPacer;
  // The model is read from the body only when a limit needs it; otherwise the body streams.
  const readsModel =
    policy.model !== null || policy.allowModels.length > 0 || policy.budget.usd !== null;

  const answer = (res: ServerResponse, kind: GatewayErrorKind, message: string): void => {
    const error = getGatewayError(options.api, kind, `corral gateway: ${redactor.redact(message)}`);
    res.writeHead(error.status, error.headers);
    res.end(error.body);
  };

  const fail = (res: ServerResponse, message: string): void => {
    const safe = redactor.redact(message);
    options.onError?.(safe);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    answer(res, 'upstream', safe);
  };

  const refuse = async (
    req: IncomingMessage,
    res: ServerResponse,
    refusal: Refusal,
    model: string | null,
  ): Promise<void> => {
    req.resume();
    const record: ModelDenialRecord = {
      ts: new Date().toISOString(),
      denied: true,
      api: options.api,
      method: (req.method ?? '').slice(0, 20),
      path: redactor.redact((req.url ?? '').split('?', 1)[0] ?? '').slice(0, 300),
      reason: refusal.reason,
      message: redactor.redact(refusal.message),
      model,
      status: getGatewayError(options.api, refusal.kind, '').status,
    };
    // Logged before the agent hears of it: whoever follows the log sees the refusal no
    // later than the agent does (a budget refusal ends the instance).
    await log.append(record);
    try {
      options.onDenied?.(record);
    } catch {
      // A failing listener must not break the gateway.
    }
    answer(res, refusal.kind, refusal.message);
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    search: string,
    body: Buffer | null,
    model: string | null,
    started: number,
  ): void => {
    const target = new URL(base.origin);
    target.pathname = `${basePath}${path}`;
    if (search) target.search = search;
    const headers = getUpstreamHeaders(req, options.api, options.key, auth, target);
    if (body) {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(body.length);
    }
    const send = secure ? httpsRequest : httpRequest;
    const upstream = send(target, { method: req.method, headers, agent });
    upstream.on('error', (error) => fail(res, `upstream ${base.origin} failed: ${error.message}`));
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
      answer.on('error', (error) => fail(res, `upstream stream broke: ${error.message}`));
      answer.on('end', () => {
        const counts = meter.end();
        // Counted before the agent has its answer, so its next call sees the new spend.
        const costUsd = counts ? priceOf(counts, model) : null;
        if (counts) spend.add(counts, costUsd);
        res.end(redacted?.end() ?? '');
        if (!counts) return;
        const record: UsageRecord = {
          ts: new Date(started).toISOString(),
          api: options.api,
          path: target.pathname,
          status,
          stream: String(contentType ?? '').startsWith('text/event-stream'),
          ...counts,
          costUsd,
          durationMs: Date.now() - started,
        };
        void log.append(record);
        try {
          options.onUsage?.(record);
        } catch {
          // A failing listener must not break the gateway.
        }
      });
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  };

  /** The cost of a response: by the model it names, else by the model asked for. */
  const priceOf = (counts: UsageCounts, asked: string | null): number | null => {
    if (!options.prices) return null;
    return (
      costOf(counts, options.prices) ??
      (asked === null ? null : costOf({ ...counts, model: asked }, options.prices))
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const method = req.method ?? 'GET';
    const decided = decideTarget(options.api, rules, method, req.url ?? '', pathPrefix);
    if (!decided.ok) return refuse(req, res, decided.refusal, null);
    const { target, call } = decided;
    let path = target.path;
    let model = call.model;
    let body: Buffer | null = null;
    if (readsModel && model === null && method !== 'GET') {
      body = await readBody(req, maxBodyBytes);
      if (body === null) {
        return refuse(
          req,
          res,
          { reason: 'too-large', kind: 'too-large', message: 'refused: the body is too large' },
          null,
        );
      }
      model = readBodyModel(body);
    }
    const spent = spend.exhausted();
    if (spent) return refuse(req, res, { reason: 'budget', kind: 'budget', message: spent }, model);
    const allowed = decideModel(policy, options.prices, model, call.rule.carriesModel);
    if (!allowed.ok) return refuse(req, res, allowed.refusal, model);
    if (allowed.rewriteTo !== null && model !== null) {
      if (call.rule.modelInPath) path = rewritePathModel(path, model, allowed.rewriteTo);
      else if (body) body = rewriteBodyModel(body, allowed.rewriteTo);
      model = allowed.rewriteTo;
    }
    if (pacer) {
      const gone = new AbortController();
      const onClose = () => gone.abort();
      res.once('close', onClose);
      const granted = await pacer.acquire(gone.signal);
      res.off('close', onClose);
      if (gone.signal.aborted) return;
      if (!granted && pacer.closed) return fail(res, 'the gateway is stopping');
      if (!granted) {
        const message = `refused: more than ${policy.budget.rpm} calls are waiting for their turn (--rpm)`;
        return refuse(req, res, { reason: 'rate', kind: 'rate', message }, model);
      }
    }
    forward(req, res, path, target.search, body, model, started);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) =>
      fail(res, `gateway error: ${error instanceof Error ? error.message : String(error)}`),
    );
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
      // Calls waiting for their turn are answered before the connections go.
      ownPacer?.close();
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
