/**
 * Usage as the gateway reads it from responses going past: JSON bodies and SSE streams of
 * the three APIs, with chunks split anywhere (mid-line, mid-character), and nothing when a
 * response carries no usage.
 */
import { describe, expect, it } from 'vitest';
import { costOf } from './usage-cost.js';
import { createUsageMeter } from './usage-meter.js';
import type { ModelApi } from '../protocol/usage-record.js';

function meter(api: ModelApi, contentType: string, text: string, chunkSize: number) {
  const m = createUsageMeter(api, contentType);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunkSize) m.push(bytes.subarray(i, i + chunkSize));
  return m.end();
}

const sse = (events: Array<Record<string, unknown>>) =>
  events.map((e) => `event: ${String(e.type)}\r\ndata: ${JSON.stringify(e)}\r\n\r\n`).join('');

describe('createUsageMeter', () => {
  const anthropicStream = sse([
    {
      type: 'message_start',
      message: {
        model: 'claude-x',
        content: [{ type: 'text', text: 'héllo ✓' }],
        usage: {
          input_tokens: 10,
          output_tokens: 1,
          cache_read_input_tokens: 200,
          cache_creation_input_tokens: 30,
        },
      },
    },
    { type: 'content_block_delta', delta: { type: 'text_delta', text: 'ünïcode ✓✓' } },
    { type: 'message_delta', usage: { output_tokens: 42 } },
    { type: 'message_stop' },
  ]);

  it.each([1, 3, 7, 4096])('reads an Anthropic SSE stream in %i-byte chunks', (size) => {
    expect(meter('anthropic', 'text/event-stream; charset=utf-8', anthropicStream, size)).toEqual({
      model: 'claude-x',
      inputTokens: 10,
      outputTokens: 42,
      cacheReadTokens: 200,
      cacheWriteTokens: 30,
    });
  });

  it('reads an Anthropic JSON body', () => {
    const body = JSON.stringify({
      model: 'claude-y',
      usage: {
        input_tokens: 5,
        output_tokens: 6,
        cache_read_input_tokens: 7,
        cache_creation_input_tokens: 8,
      },
    });
    expect(meter('anthropic', 'application/json', body, 5)).toEqual({
      model: 'claude-y',
      inputTokens: 5,
      outputTokens: 6,
      cacheReadTokens: 7,
      cacheWriteTokens: 8,
    });
  });

  it('reads an OpenAI Responses stream, taking cached tokens out of the input', () => {
    const stream = sse([
      { type: 'response.created', response: { model: 'gpt-x', usage: null } },
      { type: 'response.output_text.delta', delta: 'hi' },
      {
        type: 'response.completed',
        response: {
          model: 'gpt-x',
          usage: {
            input_tokens: 321,
            input_tokens_details: { cached_tokens: 100 },
            output_tokens: 45,
          },
        },
      },
    ]);
    expect(meter('openai', 'text/event-stream', stream, 11)).toEqual({
      model: 'gpt-x',
      inputTokens: 221,
      outputTokens: 45,
      cacheReadTokens: 100,
      cacheWriteTokens: 0,
    });
  });

  it('reads an OpenAI JSON body (Responses or Chat Completions names)', () => {
    const responses = JSON.stringify({
      model: 'gpt-r',
      usage: { input_tokens: 9, output_tokens: 2 },
    });
    expect(meter('openai', 'application/json', responses, 4)).toMatchObject({
      model: 'gpt-r',
      inputTokens: 9,
      outputTokens: 2,
    });
    const chat = JSON.stringify({
      model: 'gpt-c',
      usage: {
        prompt_tokens: 50,
        prompt_tokens_details: { cached_tokens: 20 },
        completion_tokens: 3,
      },
    });
    expect(meter('openai', 'application/json', chat, 4)).toMatchObject({
      inputTokens: 30,
      cacheReadTokens: 20,
      outputTokens: 3,
    });
  });

  const gemini = (usage: Record<string, number> | null, text: string) => ({
    candidates: [{ content: { role: 'model', parts: [{ text }] } }],
    ...(usage ? { usageMetadata: usage } : {}),
    modelVersion: 'gemini-test',
  });
  const geminiFinal = {
    promptTokenCount: 1200,
    candidatesTokenCount: 40,
    cachedContentTokenCount: 1000,
    thoughtsTokenCount: 5,
    totalTokenCount: 1245,
  };
  const geminiCounts = {
    model: 'gemini-test',
    inputTokens: 200,
    outputTokens: 45,
    cacheReadTokens: 1000,
    cacheWriteTokens: 0,
  };

  it.each([1, 5, 4096])(
    'reads a Gemini SSE stream (alt=sse) in %i-byte chunks, the last usageMetadata winning',
    (size) => {
      const stream = [
        gemini({ promptTokenCount: 1200, totalTokenCount: 1200 }, 'hé'),
        gemini(
          { promptTokenCount: 1200, candidatesTokenCount: 3, cachedContentTokenCount: 1000 },
          'llo ✓',
        ),
        gemini(geminiFinal, ''),
      ]
        .map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`)
        .join('');
      expect(meter('google', 'text/event-stream', stream, size)).toEqual(geminiCounts);
    },
  );

  it('reads a Gemini JSON body, and the JSON array of streamGenerateContent without alt=sse', () => {
    expect(
      meter(
        'google',
        'application/json; charset=UTF-8',
        JSON.stringify(gemini(geminiFinal, 'x')),
        7,
      ),
    ).toEqual(geminiCounts);
    const array = JSON.stringify([
      gemini({ promptTokenCount: 1200, candidatesTokenCount: 1 }, 'a'),
      gemini(geminiFinal, 'b'),
    ]);
    expect(meter('google', 'application/json', array, 9)).toEqual(geminiCounts);
    expect(
      meter('google', 'application/json', JSON.stringify(gemini({ promptTokenCount: 7 }, 'y')), 3),
    ).toEqual({ ...geminiCounts, inputTokens: 7, outputTokens: 0, cacheReadTokens: 0 });
  });

  it('gives null when there is no usage', () => {
    expect(meter('google', 'application/json', JSON.stringify(gemini(null, 'x')), 3)).toBeNull();
    expect(meter('google', 'application/json', '{"error":{"code":400}}', 3)).toBeNull();
    expect(meter('anthropic', 'application/json', '{"type":"error"}', 3)).toBeNull();
    expect(meter('openai', 'text/event-stream', sse([{ type: 'response.created' }]), 3)).toBeNull();
    expect(meter('anthropic', 'application/json', 'not json', 3)).toBeNull();
  });
});

describe('costOf', () => {
  const counts = {
    model: 'claude-x-2',
    inputTokens: 1_000_000,
    outputTokens: 2_000_000,
    cacheReadTokens: 1_000_000,
    cacheWriteTokens: 0,
  };
  it('prices by the longest matching model prefix', () => {
    expect(
      costOf(counts, {
        claude: { input: 1, output: 1 },
        'claude-x': { input: 3, output: 15, cacheRead: 0.3 },
      }),
    ).toBeCloseTo(33.3);
  });
  it('is null for a model without a price', () => {
    expect(costOf(counts, { gpt: { input: 1, output: 1 } })).toBeNull();
  });
});
