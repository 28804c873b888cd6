/**
 * The calls the model gateway lets through with the real key, per API: what the supported
 * CLIs need, and nothing else (a user adds more per instance with `--allow-model-api`).
 * Everything else (files, batches, fine-tuning, admin, an unknown path, another method on
 * an allowed path) is refused with a 403 in the API's own shape.
 *
 * What the CLIs call, recorded by running the real ones (the versions pinned in
 * images/sandbox/agent-versions.json: Claude Code 2.1.332, Codex 0.169.0, Gemini CLI
 * 0.61.0) against the stand-ins (test/helpers/stand-in/), through corral on docker and
 * local, headless, resumed and in a terminal, with the method, path and query of every
 * request logged:
 *   - Claude Code (API key or OAuth token): only `POST /v1/messages?beta=true`, for the
 *     conversation and its side requests (with the environment corral gives it, no
 *     connectivity check, no telemetry). The stand-in's notes record `POST
 *     /v1/messages/count_tokens` from the same version (token counting), so it stays.
 *   - Codex, with corral's `wire_api = "responses"` provider: only `POST /v1/responses`
 *     (turns, and side requests such as a thread title). `POST /v1/responses/compact` is
 *     its remote compaction of a long thread, a conversation call of the same kind.
 *   - Gemini CLI: `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` (turns) and
 *     `POST …:generateContent` (with the default `auto` model, a small model rates the task
 *     first); its code also calls `:countTokens` (for images and files in a prompt).
 * Model listing (`GET /v1/models`, Gemini's `GET /v1beta/models`) was not seen, but it is
 * read-only, costs nothing, and the CLIs' model pickers use it, so it is allowed.
 *
 * Paths are matched after the agent's base path is taken off and the API's own put back
 * (request-target.ts), so a rule reads like the API's documentation.
 */
import { parseCallRule, type CallRule } from '../protocol/model-policy.js';
import type { ModelApi } from '../protocol/usage-record.js';

/** Where an API's own paths begin in its conventional base URL (`OPENAI_BASE_URL` ends in `/v1`). */
export const apiBasePaths: Record<ModelApi, string> = { anthropic: '', openai: '/v1', google: '' };

/** The CLIs' calls; those marked `model` carry the model they are for (body or path). */
const builtIn: Record<ModelApi, Array<{ call: string; model: boolean }>> = {
  anthropic: [
    { call: 'POST /v1/messages?beta', model: true },
    { call: 'POST /v1/messages/count_tokens?beta', model: true },
    { call: 'GET /v1/models?beta&limit&after_id&before_id', model: false },
    { call: 'GET /v1/models/*?beta', model: false },
  ],
  openai: [
    { call: 'POST /v1/responses', model: true },
    { call: 'POST /v1/responses/compact', model: true },
    { call: 'GET /v1/models?client_version', model: false },
  ],
  google: [
    { call: 'POST /v1beta/models/{model}:streamGenerateContent?alt', model: true },
    { call: 'POST /v1beta/models/{model}:generateContent?alt', model: true },
    { call: 'POST /v1beta/models/{model}:countTokens?alt', model: true },
    { call: 'GET /v1beta/models?pageSize&pageToken&alt', model: false },
  ],
};

/** A rule ready to match: its path as a regular expression. */
export interface CompiledRule extends CallRule {
  pattern: RegExp;
  /** Whether the path names the model (`{model}`). */
  modelInPath: boolean;
  /** Whether the call is for a model (so, with models limited, one must be named). */
  carriesModel: boolean;
}

const nameChars = '[A-Za-z0-9._-]+';

function compile(rule: CallRule, carriesModel: boolean): CompiledRule {
  const source = rule.path
    .split(/(\{model\}|\*)/)
    .map((part) => {
      if (part === '{model}') return `(?<model>${nameChars})`;
      if (part === '*') return nameChars;
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  const modelInPath = rule.path.includes('{model}');
  return {
    ...rule,
    pattern: new RegExp(`^${source}$`),
    modelInPath,
    carriesModel: carriesModel || modelInPath,
  };
}

function compileText(text: string, carriesModel: boolean): CompiledRule {
  const rule = parseCallRule(text);
  if ('error' in rule) throw new Error(`bad call rule '${text}': ${rule.error}`);
  return compile(rule, carriesModel);
}

/**
 * The rules of `api`: the CLIs' own, then `extra` (`--allow-model-api`, already checked;
 * a model in their body is checked when there is one, but none is required).
 */
export function getCallRules(api: ModelApi, extra: readonly string[] = []): CompiledRule[] {
  return [
    ...builtIn[api].map((b) => compileText(b.call, b.model)),
    ...extra.map((text) => compileText(text, false)),
  ];
}

/** The calls the CLIs need, as text (for `corral policy`). */
export function listBuiltInCalls(api: ModelApi): string[] {
  return builtIn[api].map((b) => b.call);
}

export interface MatchedCall {
  rule: CompiledRule;
  /** The model named in the path, when the rule reads one. */
  model: string | null;
}

/**
 * The rule a call matches, or null. `path` is the API's own path (request-target.ts);
 * `queryNames` the names of its query parameters: a call whose method, path or any
 * parameter no rule allows matches none.
 *
 * @example
 * matchCall(getCallRules('google'), 'POST', '/v1beta/models/gemini-2.5-pro:generateContent', [])
 * // { rule: …, model: 'gemini-2.5-pro' }
 */
export function matchCall(
  rules: readonly CompiledRule[],
  method: string,
  path: string,
  queryNames: readonly string[],
): MatchedCall | null {
  for (const rule of rules) {
    if (rule.method !== method) continue;
    const found = rule.pattern.exec(path);
    if (!found) continue;
    if (!queryNames.every((name) => rule.query.includes(name))) continue;
    return { rule, model: found.groups?.model ?? null };
  }
  return null;
}
