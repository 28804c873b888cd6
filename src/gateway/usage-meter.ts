/**
 * Reads token usage out of a model-API response while it streams past, without holding it
 * up: chunks go to the client untouched and a copy is fed here. Understands the Anthropic
 * Messages API (`usage` in a JSON body; `message_start` then cumulative `message_delta`
 * in SSE) and the OpenAI Responses API (`usage` in a JSON body or in the
 * `response.completed` / `.incomplete` / `.failed` event), plus Chat Completions' names
 * (`prompt_tokens`, …) in a JSON body, and the Gemini API (`usageMetadata` in a
 * `GenerateContentResponse`: a JSON body, a JSON array of them from `streamGenerateContent`,
 * or one per SSE event with `alt=sse`, the last one winning). A response with no usage
 * gives null.
 */
import { StringDecoder } from 'node:string_decoder';
import type { ModelApi, UsageCounts } from '../protocol/usage-record.js';

/** JSON bodies larger than this are not parsed for usage (they are still forwarded whole). */
const maxJsonBytes = 16 * 1024 * 1024;

export interface UsageMeter {
  push(chunk: Buffer): void;
  end(): UsageCounts | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : null;

function parse(text: string): Json | null {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function parseArray(text: string): Json[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter(isObject) : [];
  } catch {
    return [];
  }
}

/** Usage as the Anthropic API reports it (`input_tokens` excludes the cache). */
function fromAnthropic(usage: Json, into: UsageCounts): void {
  into.inputTokens = count(usage.input_tokens) ?? into.inputTokens;
  into.outputTokens = count(usage.output_tokens) ?? into.outputTokens;
  into.cacheReadTokens = count(usage.cache_read_input_tokens) ?? into.cacheReadTokens;
  into.cacheWriteTokens = count(usage.cache_creation_input_tokens) ?? into.cacheWriteTokens;
}

/** Usage as OpenAI reports it: cached tokens are inside the input count, so they are taken out. */
function fromOpenAI(usage: Json, into: UsageCounts): void {
  const details = isObject(usage.input_tokens_details)
    ? usage.input_tokens_details
    : isObject(usage.prompt_tokens_details)
      ? usage.prompt_tokens_details
      : {};
  const input = count(usage.input_tokens) ?? count(usage.prompt_tokens) ?? 0;
  const cached = count(details.cached_tokens) ?? 0;
  into.inputTokens = Math.max(0, input - cached);
  into.cacheReadTokens = cached;
  into.outputTokens = count(usage.output_tokens) ?? count(usage.completion_tokens) ?? 0;
}

/**
 * Usage as Gemini reports it, replacing what an earlier chunk said: the prompt count holds
 * the cached tokens (taken out here), and thinking tokens are billed as output.
 */
function fromGoogle(usage: Json, into: UsageCounts): void {
  const prompt = count(usage.promptTokenCount) ?? 0;
  const cached = count(usage.cachedContentTokenCount) ?? 0;
  into.inputTokens = Math.max(0, prompt - cached);
  into.cacheReadTokens = cached;
  into.cacheWriteTokens = 0;
  into.outputTokens =
    (count(usage.candidatesTokenCount) ?? 0) + (count(usage.thoughtsTokenCount) ?? 0);
}

const openAIFinal = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * A meter for one response.
 *
 * @example
 *   const meter = createUsageMeter('anthropic', res.headers['content-type']);
 *   upstream.on('data', (c) => meter.push(c)); upstream.on('end', () => record(meter.end()));
 */
export function createUsageMeter(api: ModelApi, contentType: string | undefined): UsageMeter {
  const counts: UsageCounts = {
    model: null,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
  let found = false;
  const decoder = new StringDecoder('utf8');

  const onGoogle = (body: Json): void => {
    if (typeof body.modelVersion === 'string') counts.model = body.modelVersion;
    if (!isObject(body.usageMetadata)) return;
    found = true;
    fromGoogle(body.usageMetadata, counts);
  };

  const onBody = (body: Json): void => {
    if (api === 'google') return onGoogle(body);
    const response = isObject(body.response) ? body.response : body;
    if (typeof response.model === 'string') counts.model = response.model;
    if (!isObject(response.usage)) return;
    found = true;
    if (api === 'anthropic') fromAnthropic(response.usage, counts);
    else fromOpenAI(response.usage, counts);
  };

  const onEvent = (data: Json): void => {
    const type = data.type;
    if (api === 'google') onGoogle(data);
    else if (api === 'anthropic') {
      if (type === 'message_start' && isObject(data.message)) onBody(data.message);
      else if (type === 'message_delta' && isObject(data.usage)) {
        found = true;
        fromAnthropic(data.usage, counts);
      }
    } else if (typeof type === 'string' && openAIFinal.has(type)) onBody(data);
  };

  if ((contentType ?? '').toLowerCase().startsWith('text/event-stream')) {
    let buffer = '';
    const flush = (block: string): void => {
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      const parsed = data ? parse(data) : null;
      if (parsed) onEvent(parsed);
    };
    return {
      push: (chunk) => {
        buffer += decoder.write(chunk);
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop() ?? '';
        for (const block of blocks) flush(block);
      },
      end: () => {
        buffer += decoder.end();
        if (buffer.trim()) flush(buffer);
        buffer = '';
        return found ? counts : null;
      },
    };
  }

  let text = '';
  let tooBig = false;
  return {
    push: (chunk) => {
      if (tooBig) return;
      text += decoder.write(chunk);
      if (text.length > maxJsonBytes) {
        tooBig = true;
        text = '';
      }
    },
    end: () => {
      if (tooBig) return null;
      const all = text + decoder.end();
      const body = parse(all);
      if (body) onBody(body);
      // Gemini's streamGenerateContent without alt=sse: a JSON array of responses.
      else if (api === 'google') for (const item of parseArray(all)) onBody(item);
      return found ? counts : null;
    },
  };
}
