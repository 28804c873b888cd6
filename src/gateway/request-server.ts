/**
 * The gateway's requests server: where `corral-request` in the sandbox asks the person for
 * a host or a package. `POST /requests` with `{ kind, name, why }` is checked strictly
 * (request-grammar.ts), numbered (1, 2, 3… per instance, continuing after a restart from
 * what `requests.log` already holds), appended to `requests.log` and answered with its
 * number; the same pending request asked twice gets the same number. `GET /requests/<n>`
 * says what became of it, from the answers file the host writes. `GET /requests` lists
 * them all. A client sending `accept: text/plain` gets one line of text for people;
 * anyone else gets JSON.
 *
 * The agent controls every byte it sends, so bodies are small and bounded, and nothing
 * the server does with a request goes further than the log line.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { openNdjsonLog } from './ndjson-log.js';
import { canonicalRequestName, cleanWhy } from './request-grammar.js';
import {
  maxRequests,
  parseRequestAnswers,
  parseRequestLog,
  RequestBody,
  RequestRecord,
  type RequestAnswer,
  type RequestAnswers,
} from './request-record.js';

export interface RequestServerOptions {
  /** Address to listen on; default 127.0.0.1 (the sidecar uses 0.0.0.0). */
  host?: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** requests.log: read at start (numbering goes on from it), appended to; null: memory only. */
  logPath: string | null;
  /** The host's answers file; null or missing: every request is pending. */
  answersPath: string | null;
  onRecord?: (record: RequestRecord) => void;
  onError?: (message: string) => void;
  /** Sees every new client connection first, and may close it (client-guard.ts). */
  onConnection?: (socket: Socket) => void;
}

export interface RequestServer extends AsyncDisposable {
  url: string;
  port: number;
  close(): Promise<void>;
}

const maxBodyBytes = 4096;
const maxFileBytes = 1024 * 1024;

export type RequestStatus = 'pending' | RequestAnswer['decision'];

interface Reply {
  status: number;
  json: Record<string, unknown>;
  text: string;
}

/** The text of a file no bigger than `maxFileBytes`, or null. */
async function readSmallFile(path: string | null): Promise<string | null> {
  if (path === null) return null;
  try {
    if ((await stat(path)).size > maxFileBytes) return null;
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

function describe(record: RequestRecord): string {
  return `request ${record.n} (${record.kind} ${record.name})`;
}

function statusLine(record: RequestRecord, answer: RequestAnswer | undefined): string {
  if (!answer) return `${describe(record)}: pending, no answer yet`;
  if (answer.decision === 'rejected') {
    return `${describe(record)}: rejected${answer.reason ? `: ${answer.reason}` : ''}`;
  }
  return record.kind === 'host'
    ? `${describe(record)}: approved; the host is reachable now`
    : `${describe(record)}: approved; installed in ${answer.image ? `the image ${answer.image}` : 'a new image'}, which this sandbox is restarted on`;
}

function statusJson(record: RequestRecord, answer: RequestAnswer | undefined) {
  return {
    id: record.n,
    kind: record.kind,
    name: record.name,
    status: (answer?.decision ?? 'pending') satisfies RequestStatus,
    reason: answer?.reason ?? null,
  };
}

function refuse(status: number, message: string): Reply {
  return { status, json: { error: message }, text: message };
}

/** The body, or null when it is larger than `maxBodyBytes` (the rest is read and dropped). */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > maxBodyBytes ? null : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', () => resolve(null));
  });
}

/**
 * Starts the server; resolves once it listens, with the log already read.
 *
 * @example
 *   const server = await startRequestServer({ logPath: '/var/log/corral/requests.log', answersPath: null });
 *   // curl -d '{"kind":"package","name":"apt:jq","why":"parse JSON"}' $server.url/requests
 */
export async function startRequestServer(options: RequestServerOptions): Promise<RequestServer> {
  const { records } = parseRequestLog((await readSmallFile(options.logPath)) ?? '');
  const log = openNdjsonLog(options.logPath, options.onError);

  const loadAnswers = async (): Promise<RequestAnswers['answers']> => {
    const text = await readSmallFile(options.answersPath);
    return text === null ? {} : parseRequestAnswers(text).answers;
  };

  const open = async (body: string | null): Promise<Reply> => {
    if (body === null) return refuse(413, `the request is larger than ${maxBodyBytes} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return refuse(400, 'the request is not JSON');
    }
    const parsed = RequestBody.safeParse(json);
    if (!parsed.success) {
      return refuse(400, 'a request is { "kind": "host" | "package", "name": "…", "why": "…" }');
    }
    const { kind } = parsed.data;
    const name = canonicalRequestName(kind, parsed.data.name.trim());
    if (typeof name !== 'string') return refuse(400, name.error);
    const why = cleanWhy(parsed.data.why);
    if (!why) return refuse(400, 'say why you need it; the person reads this before answering');
    const answers = await loadAnswers();
    const same = records.find(
      (r) => r.kind === kind && r.name === name && answers[r.n]?.decision !== 'rejected',
    );
    if (same) {
      return {
        status: 200,
        json: { ...statusJson(same, answers[same.n]), duplicate: true },
        text: `${statusLine(same, answers[same.n])} (asked before)`,
      };
    }
    if (records.length >= maxRequests) {
      return refuse(429, `this sandbox has made ${maxRequests} requests, the most it may make`);
    }
    const record: RequestRecord = {
      n: records.length + 1,
      ts: new Date().toISOString(),
      kind,
      name,
      why,
    };
    records.push(record);
    void log.append(record);
    options.onRecord?.(record);
    return {
      status: 201,
      json: statusJson(record, undefined),
      text: `request ${record.n} queued (${kind} ${name}): a person will answer with corral approve/reject; check with: corral-request status ${record.n}`,
    };
  };

  const show = async (n: number | null): Promise<Reply> => {
    const answers = await loadAnswers();
    if (n === null) {
      return {
        status: 200,
        json: { requests: records.map((r) => statusJson(r, answers[r.n])) },
        text: records.length
          ? records.map((r) => statusLine(r, answers[r.n])).join('\n')
          : 'no requests yet',
      };
    }
    const record = records[n - 1];
    if (!record) return refuse(404, `there is no request ${n}`);
    return {
      status: 200,
      json: statusJson(record, answers[record.n]),
      text: statusLine(record, answers[record.n]),
    };
  };

  const route = async (req: IncomingMessage): Promise<Reply> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/requests' && req.method === 'POST') return open(await readBody(req));
    if (path === '/requests' && req.method === 'GET') return show(null);
    const one = /^\/requests\/([1-9][0-9]{0,3})$/.exec(path);
    if (one && req.method === 'GET') return show(Number(one[1]));
    if (path.startsWith('/requests')) return refuse(405, `${req.method} ${path} is not served`);
    return refuse(404, 'not found: POST /requests, GET /requests, GET /requests/<n>');
  };

  const respond = (req: IncomingMessage, res: ServerResponse, reply: Reply): void => {
    const text = /\btext\/plain\b/.test(req.headers.accept ?? '');
    const body = text ? `${reply.text}\n` : `${JSON.stringify(reply.json)}\n`;
    res.writeHead(reply.status, {
      'content-type': text ? 'text/plain; charset=utf-8' : 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  };

  const server = createServer((req, res) => {
    route(req).then(
      (reply) => respond(req, res, reply),
      (error: unknown) => {
        options.onError?.(`requests server: ${(error as Error).message}`);
        respond(req, res, refuse(500, 'the gateway could not handle the request'));
      },
    );
  });
  if (options.onConnection) server.on('connection', options.onConnection);
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const close = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await log.close();
  };
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close,
    [Symbol.asyncDispose]: close,
  };
}
