/**
 * The egress proxy: the one way out of an instance's internal network. It speaks HTTP
 * proxy — CONNECT tunnels (HTTPS, and anything else tunnelled) and plain-HTTP requests in
 * absolute-URI form — and allows only what the live allowlist says, asking `allows()` for
 * each new connection so a policy edit applies at once without touching open ones. A
 * denied CONNECT or request gets 403 with one line saying how to ask for the host. Every
 * attempt becomes one `EgressRecord`: a line in the egress log and a callback.
 *
 * Names are resolved by the gateway, not the sandbox, and an allowed name may not lead to
 * loopback, link-local, metadata or this machine's own addresses unless that address is
 * itself allowed (`address-guard.ts`); such an attempt is denied like a name off the list.
 */
import { lookup } from 'node:dns/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, isIP, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { localAddresses, refusedAddress } from './address-guard.js';
import type { EgressRecord } from '../protocol/egress-record.js';
import { normalizeHost } from './host-pattern.js';
import { endToEndHeaders } from './hop-headers.js';
import { openNdjsonLog } from './ndjson-log.js';

export interface EgressProxyOptions {
  /** Address to listen on; default 127.0.0.1 (the sidecar uses 0.0.0.0). */
  host?: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** The policy, asked once per new connection: may the sandbox reach `host:port`? */
  allows: (host: string, port: number) => boolean;
  /**
   * Turns a host name into the address to connect to; default: the system resolver.
   * Tests map names like `allowed.test` to 127.0.0.1 here.
   */
  resolve?: (host: string) => Promise<string>;
  /** Where to append one JSON line per attempt; null or absent: nowhere. */
  logPath?: string | null;
  onRecord?: (record: EgressRecord) => void;
  /** Problems of the proxy itself (a log it cannot write). */
  onError?: (message: string) => void;
  /** How long to wait for a target to accept a connection; default 10 s. */
  connectTimeoutMs?: number;
  /** Sees every new client connection first, and may close it (client-guard.ts). */
  onConnection?: (socket: Socket) => void;
}

export interface EgressProxy extends AsyncDisposable {
  /** `http://host:port`, what `HTTP_PROXY` / `HTTPS_PROXY` should say. */
  url: string;
  port: number;
  /** Stops listening, ends open connections, flushes the log. */
  close(): Promise<void>;
}

/** The one line a denied client reads. */
export function denialMessage(host: string, port: number): string {
  const name = port === 80 || port === 443 ? host : `${host}:${port}`;
  return `corral: egress to ${host}:${port} is not allowed by this sandbox's policy. Ask for it with: corral-request host ${name} "<why you need it>"`;
}

/** An allowed name whose every address is one the guard refuses. */
class RefusedAddress extends Error {}

/** What a client refused by the address guard reads. */
function addressDenialMessage(reason: string): string {
  return `corral: ${reason}.`;
}

/** Splits a CONNECT target (`host:port`, `[v6]:port`). */
function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  if (!match?.[1] || !match[2]) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { host: normalizeHost(match[1]), port };
}

/**
 * Starts the proxy.
 *
 * @example
 *   const proxy = await startEgressProxy({ allows: (h, p) => isHostAllowed(policy.current().allow, h, p) });
 *   // HTTPS_PROXY=proxy.url curl https://registry.npmjs.org/
 */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const log = openNdjsonLog(options.logPath ?? null, options.onError);
  const sockets = new Set<Duplex>();
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;

  // Attempts whose record is not written yet; close() waits for them so no line is lost.
  const pending = new Set<Promise<void>>();
  const begin = (): (() => void) => {
    let end = (): void => undefined;
    const settled = new Promise<void>((resolve) => (end = resolve));
    pending.add(settled);
    void settled.then(() => pending.delete(settled));
    return end;
  };

  const emit = (record: EgressRecord): void => {
    void log.append(record);
    try {
      options.onRecord?.(record);
    } catch {
      // A failing listener must not break the proxy.
    }
  };

  /** The address to dial for an allowed `host:port`; a literal IP is dialled as asked. */
  const resolveTarget = async (host: string, port: number): Promise<string> => {
    if (isIP(host)) return host;
    const addresses = options.resolve
      ? [await options.resolve(host)]
      : (await lookup(host, { all: true })).map((a) => a.address);
    const local = localAddresses();
    let refusal: string | null = null;
    for (const address of addresses) {
      const why = options.allows(address, port) ? null : refusedAddress(address, local);
      if (!why) return address;
      refusal ??= `${host} resolves to ${address} (${why}), which is reached only when that address itself is allowed`;
    }
    throw new RefusedAddress(refusal ?? `${host} has no address`);
  };

  const track = (socket: Duplex): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const onConnect = (req: IncomingMessage, client: Duplex, head: Buffer): void => {
    const started = Date.now();
    const ts = new Date(started).toISOString();
    track(client);
    client.on('error', () => undefined);
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const base = { ts, kind: 'connect' as const, host: target.host, port: target.port };
    const refuse = (message: string, reason: string): void => {
      const body = `${message}\n`;
      client.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      emit({
        ...base,
        allowed: false,
        reason,
        bytesUp: 0,
        bytesDown: 0,
        durationMs: Date.now() - started,
        status: 403,
      });
    };
    if (!options.allows(target.host, target.port)) {
      refuse(denialMessage(target.host, target.port), 'not in the allowlist');
      return;
    }
    const ended = begin();
    let upstream: Socket | undefined;
    let done = false;
    let failure: string | null = null;
    let established = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      client.destroy();
      upstream?.destroy();
      emit({
        ...base,
        allowed: true,
        reason: failure,
        bytesUp: upstream?.bytesWritten ?? 0,
        bytesDown: upstream?.bytesRead ?? 0,
        durationMs: Date.now() - started,
        status: null,
      });
      ended();
    };
    const fail = (reason: string): void => {
      failure = reason;
      if (!client.destroyed && !established) {
        const body = `corral: cannot reach ${target.host}:${target.port}: ${reason}\n`;
        client.end(
          `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      finish();
    };
    client.once('close', finish);
    resolveTarget(target.host, target.port).then(
      (address) => {
        if (done) return;
        const socket = connect({ host: address, port: target.port });
        upstream = socket;
        track(socket);
        socket.setTimeout(connectTimeoutMs, () => fail('timed out connecting'));
        socket.once('connect', () => {
          socket.setTimeout(0);
          established = true;
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length) socket.write(head);
          socket.pipe(client);
          client.pipe(socket);
        });
        socket.once('error', (error) => fail(error.message));
        socket.once('close', finish);
      },
      (error: unknown) => {
        if (!(error instanceof RefusedAddress)) return fail((error as Error).message);
        done = true;
        refuse(addressDenialMessage(error.message), error.message);
        ended();
      },
    );
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    const ts = new Date(started).toISOString();
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('corral egress proxy: send CONNECT or an absolute http:// URI through HTTP_PROXY.\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`corral egress proxy: ${url.protocol} is only proxied through CONNECT.\n`);
      return;
    }
    const host = normalizeHost(url.hostname);
    const port = url.port ? Number(url.port) : 80;
    let bytesUp = 0;
    let bytesDown = 0;
    const record = (allowed: boolean, status: number, reason: string | null): void =>
      emit({
        ts,
        kind: 'http',
        host,
        port,
        allowed,
        reason,
        bytesUp,
        bytesDown,
        durationMs: Date.now() - started,
        status,
      });

    const refuse = (message: string): void => {
      req.resume();
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`${message}\n`);
    };
    if (!options.allows(host, port)) {
      refuse(denialMessage(host, port));
      record(false, 403, 'not in the allowlist');
      return;
    }
    let recorded = false;
    const ended = begin();
    const once = (status: number, reason: string | null, allowed = true): void => {
      if (recorded) return;
      recorded = true;
      record(allowed, status, reason);
      ended();
    };
    const badGateway = (reason: string): void => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`corral: cannot reach ${host}:${port}: ${reason}\n`);
      } else res.destroy();
      once(502, reason);
    };
    resolveTarget(host, port).then(
      (address) => {
        const upstream = request({
          host: address,
          port,
          method: req.method,
          path: `${url.pathname}${url.search}`,
          headers: { ...endToEndHeaders(req.headers), host: url.host },
          setHost: false,
          timeout: connectTimeoutMs,
        });
        upstream.on('timeout', () => upstream.destroy(new Error('timed out')));
        upstream.on('error', (error) => badGateway(error.message));
        upstream.on('response', (answer) => {
          res.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
          answer.on('data', (chunk: Buffer) => (bytesDown += chunk.length));
          answer.pipe(res);
          answer.on('end', () => once(answer.statusCode ?? 502, null));
          answer.on('error', (error) => badGateway(error.message));
        });
        req.on('data', (chunk: Buffer) => (bytesUp += chunk.length));
        req.pipe(upstream);
        res.on('close', () => {
          if (!recorded) upstream.destroy();
          once(res.statusCode, recorded ? null : 'client went away');
        });
      },
      (error: unknown) => {
        if (!(error instanceof RefusedAddress)) return badGateway((error as Error).message);
        refuse(addressDenialMessage(error.message));
        once(403, error.message, false);
      },
    );
  };

  const server = createServer({ noDelay: true }, onRequest);
  server.on('connect', onConnect);
  server.on('connection', (socket: Socket) => {
    track(socket);
    options.onConnection?.(socket);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
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
      await Promise.race([
        Promise.all(pending),
        new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
      await log.close();
    })());
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    close,
    [Symbol.asyncDispose]: close,
  };
}
