/**
 * A stand-in for the OpenAI Responses API on loopback, so the real Codex CLI can be driven
 * with no internet: it plays a scripted conversation, one assistant turn per sampling
 * request, streamed as SSE the way Codex reads it (`response.created`,
 * `response.output_item.added` / `.done` per item, text deltas, `response.completed` with
 * usage).
 *
 * Tools are not hard-coded: a script says "run this command" or "apply this patch" and the
 * stand-in answers with whichever tool the request declares (`declaredTools`). What Codex
 * 0.169 declares depends on the model:
 *   - its default, `gpt-6.1-sol`, works in "code mode": no `tools` in the body, but an
 *     `additional_tools` input item whose `functions` namespace holds one freeform tool,
 *     `exec`, taking JavaScript that calls the real tools (`await tools.exec_command({ cmd
 *     })`, `await tools.apply_patch(patch)`); the stand-in answers with such a script;
 *   - a model with the classic tools (`-m gpt-5.5`): `exec_command`, a function `{ cmd,
 *     workdir, … }`, and `apply_patch`, a *custom* freeform tool whose input is the patch;
 *   - older shapes (`shell_command` `{ command }`, `shell` `{ command: argv }`, a function
 *     `apply_patch` `{ input }`) are handled too.
 * Either way `codex exec --json` reports the same `command_execution` / `file_change` items.
 *
 * Every request is logged in `requests`; only conversation turns advance the script. What
 * Codex 0.169.0 asks, with a custom `wire_api = "responses"` provider: nothing but `POST
 * /v1/responses` (no model list, no WebSocket) from `codex exec`; the TUI also asks for a
 * thread title, as a request of its own thread. How a request is told apart, from Codex's
 * `x-codex-turn-metadata` header:
 *   - `POST …/responses` with `request_kind: "turn"` and `thread_source: "user"` (or no
 *     header) → `turn`;
 *   - any other `POST …/responses` (the title's `thread_source` is `"thread_title"`;
 *     compaction…) → `side`, answered with a short text;
 *   - `GET …/models` → `models`, answered with an empty list;
 *   - anything else → `unknown`, answered with a JSON 404 in the API's error shape.
 * A turn whose `input` repeats an earlier one exactly (a retry) is answered the same way
 * again without advancing. Once the script is played out, turns get a closing text.
 */
import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptItem =
  | { text: string }
  | { reasoning: string }
  /** A shell command, run through whichever shell tool the request declares. */
  | { shell: string; workdir?: string }
  /** An `apply_patch` patch (`*** Begin Patch` … `*** End Patch`). */
  | { patch: string }
  /** Any other function tool, by name. */
  | { call: string; arguments: Record<string, unknown> };

export interface Usage {
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

/** One assistant turn: an item, several items, or items with the usage to report. */
export type ScriptTurn = ScriptItem | ScriptItem[] | { items: ScriptItem[]; usage?: Usage };

export type RequestKind = 'turn' | 'side' | 'models' | 'unknown';

export interface LoggedRequest {
  method: string;
  path: string;
  kind: RequestKind;
  /** SHA-256 (hex) of the credential received (`x-api-key` or bearer), null when none. */
  keySha256: string | null;
  /** For a turn: the index of the script turn it was answered with (past the end: the closing text). */
  turn: number | null;
  /** From Codex's `x-codex-turn-metadata` header: `request_kind` and `thread_source`. */
  codex: { kind: string | null; threadSource: string | null };
  summary: {
    model: string | null;
    stream: boolean;
    /** Declared tools (see `declaredTools`), as `name`, or `name (custom)` for a non-function one. */
    tools: string[];
    /** `type` (or `type:role`) of each `input` item, in order. */
    inputs: string[];
    /** The text of the last user message, truncated. */
    lastUserText: string | null;
    /** Outputs of tool calls the request carries back (text parts joined), by call id, truncated. */
    toolOutputs: Array<{ callId: string; output: string }>;
  };
  /** The parsed JSON body (null when there was none or it did not parse). */
  body: unknown;
}

export interface OpenAIStandIn {
  /** Base URL to give Codex (`…/v1`). */
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
}

/** What each turn reports unless it says otherwise: distinct numbers, so sums can be checked. */
export const defaultUsage: Usage = {
  input_tokens: 321,
  cached_tokens: 100,
  output_tokens: 45,
  reasoning_tokens: 7,
};

export const closingText = 'Done (the stand-in script is played out).';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : ''))
    .join('');
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

function summarize(body: Json): LoggedRequest['summary'] {
  const input = Array.isArray(body.input) ? body.input.filter(isObject) : [];
  const users = input.filter((i) => i.type === 'message' && i.role === 'user');
  const last = users.at(-1);
  return {
    model: typeof body.model === 'string' ? body.model : null,
    stream: body.stream === true,
    tools: [...declaredTools(body)].map(([name, type]) =>
      type === 'function' ? name : `${name} (${type})`,
    ),
    inputs: input.map((i) =>
      typeof i.role === 'string' ? `${String(i.type)}:${i.role}` : String(i.type),
    ),
    lastUserText: last ? truncate(textOf(last.content), 500) : null,
    toolOutputs: input
      .filter((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output')
      .map((i) => ({
        callId: String(i.call_id),
        output: truncate(Array.isArray(i.output) ? textOf(i.output) : String(i.output)),
      })),
  };
}

/** `request_kind` and `thread_source` from Codex's `x-codex-turn-metadata` header. */
function turnMetadataOf(req: IncomingMessage): {
  kind: string | null;
  threadSource: string | null;
} {
  const header = req.headers['x-codex-turn-metadata'];
  let parsed: unknown = null;
  try {
    parsed = typeof header === 'string' ? JSON.parse(header) : null;
  } catch {
    parsed = null;
  }
  const meta = isObject(parsed) ? parsed : {};
  return {
    kind: typeof meta.request_kind === 'string' ? meta.request_kind : null,
    threadSource: typeof meta.thread_source === 'string' ? meta.thread_source : null,
  };
}

function classify(
  method: string,
  path: string,
  meta: { kind: string | null; threadSource: string | null },
): RequestKind {
  if (method === 'POST' && path.endsWith('/responses')) {
    const conversation =
      (meta.kind === null || meta.kind === 'turn') &&
      (meta.threadSource === null || meta.threadSource === 'user');
    return conversation ? 'turn' : 'side';
  }
  if (method === 'GET' && path.endsWith('/models')) return 'models';
  return 'unknown';
}

function normalizeTurn(turn: ScriptTurn): { items: ScriptItem[]; usage?: Usage } {
  if (Array.isArray(turn)) return { items: turn };
  if ('items' in turn) return turn;
  return { items: [turn] };
}

/**
 * Declared tools by name, with their `type` (`function`, `custom`, …). Tools come in the
 * body's `tools`, or (models in "code mode", Codex 0.169's default `gpt-6.1-sol`) in an
 * `additional_tools` input item; a namespace's tools count as `<namespace>.<name>`, except
 * the `functions` namespace, which is the top level.
 */
function declaredTools(body: Json): Map<string, string> {
  const found = new Map<string, string>();
  const add = (tools: unknown, prefix: string) => {
    if (!Array.isArray(tools)) return;
    for (const t of tools.filter(isObject)) {
      if (typeof t.name !== 'string') continue;
      if (t.type === 'namespace')
        add(t.tools, t.name === 'functions' ? prefix : `${prefix}${t.name}.`);
      else found.set(`${prefix}${t.name}`, String(t.type));
    }
  };
  add(body.tools, '');
  const input = Array.isArray(body.input) ? body.input.filter(isObject) : [];
  for (const item of input) if (item.type === 'additional_tools') add(item.tools, '');
  return found;
}

/** Code mode: one call of the freeform `exec` tool, JavaScript that awaits a nested tool. */
function codeModeCall(n: string, call: string): Json {
  return {
    type: 'custom_tool_call',
    id: `ctc_${n}`,
    call_id: `call_${n}`,
    name: 'exec',
    input: `const result = await ${call};\ntext(JSON.stringify(result));\n`,
    status: 'completed',
  };
}

/** Turns a script item into a Responses output item, shaped for the tools the request declares. */
function outputItem(item: ScriptItem, n: string, tools: Map<string, string>): Json {
  const callId = `call_${n}`;
  const functionCall = (name: string, args: unknown): Json => ({
    type: 'function_call',
    id: `fc_${n}`,
    call_id: callId,
    name,
    arguments: JSON.stringify(args),
    status: 'completed',
  });
  if ('text' in item)
    return {
      type: 'message',
      id: `msg_${n}`,
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: item.text, annotations: [] }],
    };
  if ('reasoning' in item)
    return {
      type: 'reasoning',
      id: `rs_${n}`,
      summary: [{ type: 'summary_text', text: item.reasoning }],
      content: null,
      encrypted_content: null,
    };
  if ('call' in item) return functionCall(item.call, item.arguments);
  if ('shell' in item) {
    const workdir = item.workdir ? { workdir: item.workdir } : {};
    if (tools.has('exec_command'))
      return functionCall('exec_command', { cmd: item.shell, ...workdir });
    if (tools.has('shell_command'))
      return functionCall('shell_command', { command: item.shell, ...workdir });
    if (tools.has('shell'))
      return functionCall('shell', { command: ['bash', '-lc', item.shell], ...workdir });
    if (tools.get('exec') === 'custom')
      return codeModeCall(
        n,
        `tools.exec_command(${JSON.stringify({ cmd: item.shell, ...workdir })})`,
      );
    throw new Error(`the request declares no shell tool (tools: ${[...tools.keys()].join(', ')})`);
  }
  const patchTool = tools.get('apply_patch');
  if (patchTool === 'custom')
    return {
      type: 'custom_tool_call',
      id: `ctc_${n}`,
      call_id: callId,
      name: 'apply_patch',
      input: item.patch,
      status: 'completed',
    };
  if (patchTool === 'function') return functionCall('apply_patch', { input: item.patch });
  if (tools.get('exec') === 'custom')
    return codeModeCall(n, `tools.apply_patch(${JSON.stringify(item.patch)})`);
  throw new Error(
    `the request declares no apply_patch tool (tools: ${[...tools.keys()].join(', ')})`,
  );
}

function writeSse(
  res: ServerResponse,
  responseId: string,
  model: string,
  output: Json[],
  usage: Usage,
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (event: Json) =>
    res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
  const response = { id: responseId, object: 'response', model, status: 'in_progress', output: [] };
  send({ type: 'response.created', response });
  send({ type: 'response.in_progress', response });
  output.forEach((item, index) => {
    const added =
      item.type === 'message'
        ? { ...item, status: 'in_progress', content: [] }
        : item.type === 'reasoning'
          ? { ...item, summary: [] }
          : item;
    send({ type: 'response.output_item.added', output_index: index, item: added });
    if (item.type === 'message') {
      const text = textOf(item.content);
      send({
        type: 'response.content_part.added',
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      });
      send({
        type: 'response.output_text.delta',
        item_id: item.id,
        output_index: index,
        content_index: 0,
        delta: text,
      });
      send({
        type: 'response.output_text.done',
        item_id: item.id,
        output_index: index,
        content_index: 0,
        text,
      });
    }
    send({ type: 'response.output_item.done', output_index: index, item });
  });
  send({
    type: 'response.completed',
    response: {
      ...response,
      status: 'completed',
      output,
      usage: {
        input_tokens: usage.input_tokens,
        input_tokens_details: { cached_tokens: usage.cached_tokens },
        output_tokens: usage.output_tokens,
        output_tokens_details: { reasoning_tokens: usage.reasoning_tokens },
        total_tokens: usage.input_tokens + usage.output_tokens,
      },
    },
  });
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts the stand-in. Give Codex `url` as its provider's `base_url`.
 *
 * @example
 *   const api = await startOpenAIStandIn({ script: [{ shell: 'cat a.txt' }, { text: 'done' }] });
 */
export async function startOpenAIStandIn(options: StandInOptions): Promise<OpenAIStandIn> {
  const requests: LoggedRequest[] = [];
  const answered = new Map<string, number>();
  let next = 0;
  let counter = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = null;
    }
    const json = isObject(body) ? body : {};
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const meta = turnMetadataOf(req);
    const kind = classify(method, path, meta);
    const entry: LoggedRequest = {
      method,
      path,
      kind,
      keySha256: credentialSha256(req.headers),
      turn: null,
      codex: meta,
      summary: summarize(json),
      body,
    };
    requests.push(entry);
    const model = typeof json.model === 'string' ? json.model : 'stand-in';
    const n = () => String(++counter);

    switch (kind) {
      case 'turn': {
        const key = createHash('sha256')
          .update(JSON.stringify(json.input ?? null))
          .digest('hex');
        const turnIndex = answered.get(key) ?? next++;
        answered.set(key, turnIndex);
        entry.turn = turnIndex;
        const turn = options.script[turnIndex];
        const { items, usage } = turn ? normalizeTurn(turn) : { items: [{ text: closingText }] };
        const tools = declaredTools(json);
        const output = items.map((item) => outputItem(item, `${turnIndex}_${n()}`, tools));
        writeSse(res, `resp_${n()}`, model, output, usage ?? options.usage ?? defaultUsage);
        return;
      }
      case 'side':
        writeSse(
          res,
          `resp_${n()}`,
          model,
          [outputItem({ text: 'ok' }, n(), new Map())],
          defaultUsage,
        );
        return;
      case 'models':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [], models: [] }));
        return;
      case 'unknown':
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { message: `stand-in: no ${method} ${path}`, type: 'invalid_request_error' },
          }),
        );
        return;
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: `stand-in: ${String(error)}`, type: 'server_error' } }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/v1`,
    requests,
    turns: () => requests.filter((r) => r.kind === 'turn'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
