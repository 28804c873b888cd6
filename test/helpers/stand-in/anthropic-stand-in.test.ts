/**
 * The Anthropic stand-in as a client sees it: scripted turns streamed as the Messages API
 * streams them (or in one body), side requests answered without moving the script, a
 * retry answered the same, token counts, and a JSON 404 for anything else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultUsage,
  startAnthropicStandIn,
  type AnthropicStandIn,
} from './anthropic-stand-in.js';

const tools = [{ name: 'Bash', input_schema: { type: 'object' } }];
const prompt = { role: 'user', content: [{ type: 'text', text: 'fix it' }] };

let api: AnthropicStandIn | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function post(path: string, body: unknown): Promise<Response> {
  if (!api) throw new Error('no stand-in');
  return fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

function readSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((chunk) => {
      const event = /^event: (.*)$/m.exec(chunk)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(chunk)?.[1] ?? '{}') as SseEvent['data'];
      return { event, data };
    });
}

describe('anthropic stand-in', () => {
  it('streams a turn with text, a tool use and usage', async () => {
    api = await startAnthropicStandIn({
      script: [[{ text: 'Running it.' }, { toolUse: { name: 'Bash', input: { command: 'ls' } } }]],
    });
    const res = await post('/v1/messages', { model: 'm', stream: true, tools, messages: [prompt] });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = readSse(await res.text());
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]?.data.message).toMatchObject({
      model: 'm',
      usage: { input_tokens: defaultUsage.input_tokens, cache_read_input_tokens: 1000 },
    });
    expect(events[5]?.data.content_block).toMatchObject({ type: 'tool_use', name: 'Bash' });
    const json = events
      .filter((e) => (e.data.delta as { type?: string } | undefined)?.type === 'input_json_delta')
      .map((e) => (e.data.delta as { partial_json: string }).partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual({ command: 'ls' });
    expect(events[8]?.data).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { output_tokens: defaultUsage.output_tokens },
    });
  });

  it('answers in one body when not asked to stream', async () => {
    api = await startAnthropicStandIn({ script: [{ text: 'Hello.' }] });
    const res = await post('/v1/messages', { model: 'm', tools, messages: [prompt] });
    expect(await res.json()).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: 'Hello.' }],
      stop_reason: 'end_turn',
      usage: defaultUsage,
    });
  });

  it('answers side requests and retries without moving the script', async () => {
    api = await startAnthropicStandIn({ script: [{ text: 'one' }, { text: 'two' }] });
    const text = async (res: Response) =>
      ((await res.json()) as { content: Array<{ text: string }> }).content[0]?.text;
    expect(await text(await post('/v1/messages', { tools, messages: [prompt] }))).toBe('one');
    // A retry of the same turn.
    expect(await text(await post('/v1/messages', { tools, messages: [prompt] }))).toBe('one');
    // A title request (no tools) and a prompt suggestion (a plain-string user message).
    await post('/v1/messages', { messages: [{ role: 'user', content: 'Title this' }] });
    const suggestion = { role: 'user', content: '[SUGGESTION MODE: Suggest what…]' };
    await post('/v1/messages', { tools, messages: [prompt, suggestion] });
    const next = [prompt, { role: 'assistant', content: 'one' }, prompt];
    expect(await text(await post('/v1/messages', { tools, messages: next }))).toBe('two');
    expect(api.requests.map((r) => [r.kind, r.turn])).toEqual([
      ['turn', 0],
      ['turn', 0],
      ['side', null],
      ['side', null],
      ['turn', 1],
    ]);
  });

  it('counts tokens, and answers anything else with a JSON 404', async () => {
    api = await startAnthropicStandIn({ script: [] });
    const count = await post('/v1/messages/count_tokens', { messages: [prompt] });
    expect(await count.json()).toEqual({ input_tokens: expect.any(Number) as number });
    const other = await fetch(`${api.url}/api/hello`, { method: 'HEAD' });
    expect(other.status).toBe(404);
    const body = await post('/v1/other', {});
    expect(body.status).toBe(404);
    expect(await body.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(api.requests.map((r) => r.kind)).toEqual(['count-tokens', 'unknown', 'unknown']);
  });
});
