/**
 * A stand-in for the Gemini API (`generativelanguage.googleapis.com`, v1beta) on loopback,
 * so the real Gemini CLI can be driven with no internet: it plays a scripted
 * conversation, one model turn per conversation request, streamed as SSE, with token
 * usage (`usageMetadata`) on every answer. Imports only `node:` modules: it also runs as a
 * container (stand-in-container.ts).
 *
 * What Gemini CLI 0.61.0 sends, with an API key and `GOOGLE_GEMINI_BASE_URL`:
 *   - `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` with the agent's tools
 *     (`functionDeclarations`, `run_shell_command` among them) → `turn`: the next script
 *     turn, as `functionCall` and `text` parts. A turn's answers come back as
 *     `functionResponse` parts of the next request's last `user` content;
 *   - `POST …:generateContent` (no stream) → `side`: with the default model `auto` the CLI
 *     first asks a small model to rate the task's complexity, and expects JSON text back;
 *   - `POST …:countTokens` → `count-tokens`;
 *   - anything else → `unknown`, a JSON 404 in the API's error shape.
 * A turn whose contents repeat an earlier one exactly (a retry) is answered the same way
 * again without advancing. Once the script is played out, turns get a closing text.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptPart = { text: string } | { call: string; args: Record<string, unknown> };

/** One model turn: a part, or several. */
export type ScriptTurn = ScriptPart | ScriptPart[];

export type RequestKind = 'turn' | 'side' | 'count-tokens' | 'unknown';

export interface LoggedRequest {
  method: string;
  path: string;
  /** SHA-256 (hex) of the `x-goog-api-key` (or `?key=`) received, null when none. */
  keySha256: string | null;
  kind: RequestKind;
  /** For a turn: the index of the script turn it was answered with. */
  turn: number | null;
  summary: {
    model: string | null;
    tools: string[];
    /** Roles of `contents`, in order. */
    roles: string[];
    /** The text parts of the last `user` content, joined and truncated. */
    lastUserText: string | null;
    /** Names of the function responses the last `user` content carries. */
    functionResponses: string[];
  };
}

export interface GeminiStandIn {
  url: string;
  requests: LoggedRequest[];
  close(): Promise<void>;
}

/** Reported by every turn: distinct numbers, so sums can be checked. */
export const turnUsage = {
  promptTokenCount: 210,
  candidatesTokenCount: 34,
  cachedContentTokenCount: 0,
};
const closingText = 'The script has no more turns.';

interface Part {
  text?: string;
  functionResponse?: { name?: string };
}
interface Content {
  role?: string;
  parts?: Part[];
}
interface GenerateBody {
  contents?: Content[];
  tools?: Array<{ functionDeclarations?: Array<{ name?: string }> }>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function summarize(body: GenerateBody, model: string | null): LoggedRequest['summary'] {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  const lastUser = [...contents].reverse().find((c) => c.role === 'user');
  const parts = lastUser?.parts ?? [];
  const text = parts
    .map((p) => p.text)
    .filter((t): t is string => typeof t === 'string')
    .join('\n');
  return {
    model,
    tools: (body.tools ?? []).flatMap((t) =>
      (t.functionDeclarations ?? []).map((f) => f.name ?? ''),
    ),
    roles: contents.map((c) => c.role ?? ''),
    lastUserText: text ? text.slice(0, 2000) : null,
    functionResponses: parts
      .map((p) => p.functionResponse?.name)
      .filter((n): n is string => typeof n === 'string'),
  };
}

function modelParts(turn: ScriptTurn | undefined): unknown[] {
  if (!turn) return [{ text: closingText }];
  return (Array.isArray(turn) ? turn : [turn]).map((part) =>
    'call' in part ? { functionCall: { name: part.call, args: part.args } } : { text: part.text },
  );
}

function answer(parts: unknown[], model: string | null) {
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      ...turnUsage,
      totalTokenCount: turnUsage.promptTokenCount + turnUsage.candidatesTokenCount,
    },
    modelVersion: model ?? 'gemini-stand-in',
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startGeminiStandIn(options: {
  script: ScriptTurn[];
  host?: string;
  port?: number;
}): Promise<GeminiStandIn> {
  const requests: LoggedRequest[] = [];
  /** Each turn's contents (hashed), so a retry gets the same answer. */
  const answered = new Map<string, number>();
  let next = 0;

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key');
    const keySha256 =
      typeof key === 'string' ? createHash('sha256').update(key).digest('hex') : null;
    const match = /^\/v1beta\/models\/([^/:]+):(\w+)$/.exec(url.pathname);
    const model = match?.[1] ?? null;
    const method = match?.[2] ?? '';
    const body = (parseJson(raw) ?? {}) as GenerateBody;
    const log = (kind: RequestKind, turn: number | null) =>
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        keySha256,
        kind,
        turn,
        summary: summarize(body, model),
      });

    if (req.method === 'POST' && method === 'streamGenerateContent') {
      const contentsHash = createHash('sha256')
        .update(JSON.stringify(body.contents ?? []))
        .digest('hex');
      const turn = answered.get(contentsHash) ?? next++;
      answered.set(contentsHash, turn);
      log('turn', turn);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify(answer(modelParts(options.script[turn]), model))}\r\n\r\n`);
      return;
    }
    if (req.method === 'POST' && method === 'generateContent') {
      log('side', null);
      const rating = { complexity_reasoning: 'a scripted task', complexity_score: 10 };
      sendJson(res, 200, answer([{ text: JSON.stringify(rating) }], model));
      return;
    }
    if (req.method === 'POST' && method === 'countTokens') {
      log('count-tokens', null);
      sendJson(res, 200, { totalTokens: 42 });
      return;
    }
    log('unknown', null);
    sendJson(res, 404, {
      error: { code: 404, message: 'not in the stand-in', status: 'NOT_FOUND' },
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
