/**
 * A stand-in for the Anthropic Messages API on loopback, so the real Claude Code CLI can
 * be driven with no internet: it plays a scripted conversation, one assistant turn per
 * conversation request, streamed as SSE (or as one JSON body when `stream` is false — the
 * CLI falls back to that after a failed stream), with token usage on every answer.
 *
 * Claude Code sends more than the conversation. Every request is logged in `requests`;
 * only conversation turns advance the script. The rule (`classifyRequest`), from what
 * Claude Code 2.1.332 sent:
 *   - `POST /v1/messages/count_tokens` → `count-tokens`, answered with a token count;
 *   - `POST /v1/messages` → `turn` when it carries the agent's tools (`Bash` among them)
 *     and its last message (system messages aside: the CLI puts its environment notes in
 *     a mid-conversation `system` message) is a user message made of content blocks — the
 *     prompt, or tool results. A forked side request reuses the conversation and its
 *     tools for the prompt cache, but appends its own instruction as a plain-string user
 *     message (the prompt suggestion: "[SUGGESTION MODE: …]"); requests with no tools
 *     (a title, a summary, on a small model) are side requests too. Both → `side`,
 *     answered with a short text and no tool use. A subagent's requests (Agent tool)
 *     are turns: they carry tools and block content, and consume script turns in the
 *     order they arrive;
 *   - anything else (`HEAD /api/hello`, the connectivity check sent when non-essential
 *     traffic is not disabled) → `unknown`, a JSON 404 in the API's error shape, which the
 *     CLI tolerates.
 * A turn that repeats an earlier one exactly (a retry) is answered the same way again
 * without advancing. Once the script is played out, turns get a closing text.
 */
import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptBlock = { text: string } | { toolUse: { name: string; input: unknown } };

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** One assistant turn: a block, several blocks, or blocks with the usage to report. */
export type ScriptTurn = ScriptBlock | ScriptBlock[] | { blocks: ScriptBlock[]; usage?: Usage };

export type RequestKind = 'turn' | 'side' | 'count-tokens' | 'unknown';

export interface LoggedRequest {
  method: string;
  path: string;
  /** Request headers, credentials (`x-api-key`, `authorization`) masked. */
  headers: Record<string, string | string[] | undefined>;
  /** SHA-256 (hex) of the credential received (`x-api-key` or bearer), null when none. */
  keySha256: string | null;
  kind: RequestKind;
  /** For a turn: the index of the script turn it was answered with (past the end: the closing text). */
  turn: number | null;
  summary: {
    model: string | null;
    stream: boolean;
    tools: string[];
    /** Roles of `messages`, in order. */
    roles: string[];
    /** The text of the last user message (its text blocks, joined), truncated. */
    lastUserText: string | null;
    /** Ids of the tool results the last user message carries. */
    toolResultIds: string[];
  };
  /** The parsed JSON body (null when there was none or it did not parse). */
  body: unknown;
}

export interface AnthropicStandIn {
  url: string;
  requests: LoggedRequest[];
  /** Turns only, in order: what the agent sent each time it asked for its next move. */
  turns(): LoggedRequest[];
  close(): Promise<void>;
}

export interface StandInOptions {
  script: ScriptTurn[];
  host?: string;
  port?: number;
  /** Usage reported for a turn that does not give its own. */
  usage?: Usage;
  model?: string;
}

/** What each turn reports unless it says otherwise: distinct numbers, so sums can be checked. */
export const defaultUsage: Usage = {
  input_tokens: 321,
  output_tokens: 45,
  cache_read_input_tokens: 1000,
  cache_creation_input_tokens: 67,
};

/** What a side request reports: small, and different from a turn's. */
export const sideUsage: Usage = {
  input_tokens: 7,
  output_tokens: 3,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
};

const closingText = 'The script has no more turns.';

interface ContentBlock {
  type: string;
  text?: string;
  tool_use_id?: string;
}
interface Message {
  role?: string;
  content?: string | ContentBlock[];
}
interface MessagesBody {
  model?: string;
  stream?: boolean;
  tools?: Array<{ name?: string }>;
  messages?: Message[];
}

type ApiBlock =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

/**
 * Starts the stand-in.
 *
 * @example
 *   const api = await startAnthropicStandIn({ script: [{ text: 'Hello.' }] });
 *   // ANTHROPIC_BASE_URL=api.url claude -p hi …
 *   await api.close();
 */
export async function startAnthropicStandIn(options: StandInOptions): Promise<AnthropicStandIn> {
  const { script, host = '127.0.0.1', port = 0 } = options;
  const requests: LoggedRequest[] = [];
  const seenTurns = new Map<string, number>();
  let next = 0;
  let toolIds = 0;
  let messageIds = 0;

  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        const body = parseJson(raw);
        const kind = classifyRequest(req.method ?? 'GET', path, body);
        const entry: LoggedRequest = {
          method: req.method ?? 'GET',
          path,
          headers: maskCredentials(req.headers),
          keySha256: credentialSha256(req.headers),
          kind,
          turn: null,
          summary: summarize(body),
          body,
        };
        requests.push(entry);
        const model = options.model ?? entry.summary.model ?? 'claude-stand-in';
        switch (kind) {
          case 'count-tokens':
            return sendJson(res, 200, { input_tokens: Math.ceil(raw.length / 4) });
          case 'unknown':
            return sendJson(res, 404, {
              type: 'error',
              error: { type: 'not_found_error', message: `stand-in: no route ${path}` },
            });
          case 'side':
            return sendMessage(res, entry.summary.stream, {
              id: `msg_standin_${++messageIds}`,
              model,
              blocks: [{ type: 'text', text: 'Stand-in side answer' }],
              usage: sideUsage,
            });
          case 'turn': {
            const key = createHash('sha256')
              .update(JSON.stringify((body as MessagesBody).messages))
              .digest('hex');
            const turnIndex = seenTurns.get(key) ?? next++;
            seenTurns.set(key, turnIndex);
            entry.turn = turnIndex;
            const { blocks, usage } = turnAt(script, turnIndex, options.usage ?? defaultUsage);
            return sendMessage(res, entry.summary.stream, {
              id: `msg_standin_${++messageIds}`,
              model,
              blocks: blocks.map((block, i): ApiBlock => {
                if ('text' in block) return { type: 'text', text: block.text };
                return {
                  type: 'tool_use',
                  id: `toolu_standin_${turnIndex}_${i}_${++toolIds}`,
                  name: block.toolUse.name,
                  input: block.toolUse.input,
                };
              }),
              usage,
            });
          }
        }
      })
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { type: 'error', error: String(error) });
        else res.destroy();
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    requests,
    turns: () => requests.filter((r) => r.kind === 'turn'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The rule that tells a conversation turn from a side request; see the file comment.
 * Exported so the rule itself can be tested and read in one place.
 */
export function classifyRequest(method: string, path: string, body: unknown): RequestKind {
  if (method !== 'POST') return 'unknown';
  if (path === '/v1/messages/count_tokens') return 'count-tokens';
  if (path !== '/v1/messages') return 'unknown';
  const b = (body ?? {}) as MessagesBody;
  if (!listOf(b.tools).some((t) => t?.name === 'Bash')) return 'side';
  const last = listOf(b.messages)
    .filter((m) => m?.role !== 'system')
    .at(-1);
  if (last?.role !== 'user' || !Array.isArray(last.content)) return 'side';
  const text = last.content.find((c) => c.type === 'text')?.text ?? '';
  return text.startsWith('[SUGGESTION MODE') ? 'side' : 'turn';
}

function listOf<T>(value: T[] | undefined): Array<T | undefined> {
  return Array.isArray(value) ? value : [];
}

/**
 * SHA-256 (hex) of the credential a request carried (`x-api-key`, or the bearer token), or
 * null: a test can tell which key arrived without the stand-in ever logging it.
 */
function credentialSha256(headers: IncomingHttpHeaders): string | null {
  const apiKey = headers['x-api-key'];
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
  const key = (typeof apiKey === 'string' ? apiKey : undefined) ?? bearer;
  return key ? createHash('sha256').update(key).digest('hex') : null;
}

function maskCredentials(headers: IncomingHttpHeaders): LoggedRequest['headers'] {
  const out: LoggedRequest['headers'] = { ...headers };
  for (const name of ['x-api-key', 'authorization']) if (out[name]) out[name] = '***';
  return out;
}

function turnAt(
  script: ScriptTurn[],
  index: number,
  usage: Usage,
): { blocks: ScriptBlock[]; usage: Usage } {
  const turn = script[index];
  if (turn === undefined) return { blocks: [{ text: closingText }], usage };
  if (Array.isArray(turn)) return { blocks: turn, usage };
  if ('blocks' in turn) return { blocks: turn.blocks, usage: turn.usage ?? usage };
  return { blocks: [turn], usage };
}

function summarize(body: unknown): LoggedRequest['summary'] {
  const b = (body ?? {}) as MessagesBody;
  const messages = listOf(b.messages);
  const lastUser = messages.filter((m) => m?.role === 'user').at(-1);
  const content = listOf(
    typeof lastUser?.content === 'string'
      ? [{ type: 'text', text: lastUser.content }]
      : lastUser?.content,
  );
  const text = content
    .filter((c) => c?.type === 'text')
    .map((c) => c?.text ?? '')
    .join('\n');
  return {
    model: typeof b.model === 'string' ? b.model : null,
    stream: b.stream === true,
    tools: listOf(b.tools).map((t) => t?.name ?? '?'),
    roles: messages.map((m) => m?.role ?? '?'),
    lastUserText: lastUser ? text.slice(-500) : null,
    toolResultIds: content
      .filter((c) => c?.type === 'tool_result')
      .map((c) => c?.tool_use_id ?? ''),
  };
}

function sendMessage(
  res: ServerResponse,
  stream: boolean,
  message: { id: string; model: string; blocks: ApiBlock[]; usage: Usage },
): void {
  const stopReason = message.blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const base = {
    id: message.id,
    type: 'message',
    role: 'assistant',
    model: message.model,
    stop_sequence: null,
  };
  if (!stream) {
    return sendJson(res, 200, {
      ...base,
      content: message.blocks,
      stop_reason: stopReason,
      usage: message.usage,
    });
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': `req_${message.id}`,
  });
  const event = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', {
    message: {
      ...base,
      content: [],
      stop_reason: null,
      usage: { ...message.usage, output_tokens: 1 },
    },
  });
  event('ping', {});
  message.blocks.forEach((block, index) => {
    if (block.type === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const piece of chunks(block.text, 16)) {
        event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      }
    } else {
      event('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      for (const piece of chunks(JSON.stringify(block.input), 24)) {
        event('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: piece },
        });
      }
    }
    event('content_block_stop', { index });
  });
  event('message_delta', {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: message.usage.output_tokens },
  });
  event('message_stop', {});
  res.end();
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function parseJson(raw: string): unknown {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
