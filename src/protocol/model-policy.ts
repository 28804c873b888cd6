/**
 * What an instance's model gateway lets its agent do with the real key besides the calls
 * the agent's CLI needs (model-api-allowlist.ts): more calls (`--allow-model-api`), which
 * models (`--model`, `--allow-models`, `--rewrite-model`) and how much it may spend
 * (`--budget-tokens`, `--budget-usd`, `--rpm`). One record, kept in the instance's metadata
 * and written into its gateway's config at every start, so every run and resume is held
 * to it; battles and teams give each contestant its own the same way. Also the grammar of
 * a call rule (`POST /v1/messages`) and of a model name or prefix (`claude-sonnet-4*`),
 * shared by the CLI (which refuses bad ones) and the gateway (which applies them).
 */
import { z } from 'zod';

/** Characters of a path segment in a rule: RFC 3986 `pchar` without `%` (no escapes). */
const segmentChars = /^[A-Za-z0-9._~:@!$&'()+,;=*{}-]+$/;
const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const queryName = /^[A-Za-z0-9_.-]+$/;
const modelPattern = /^[A-Za-z0-9][A-Za-z0-9._:@/-]*\*?$/;

/** One call the gateway lets through: a method, a path (maybe with wildcards) and the query names it may carry. */
export interface CallRule {
  method: (typeof methods)[number];
  /** Segments of the path, as written: `*` matches a name, `{model}` a model name it reads. */
  path: string;
  /** Query parameter names the call may carry (any other is refused). */
  query: string[];
}

/**
 * Parses `METHOD /path[?name&name]`. A path segment is a literal, or holds `*` (any name
 * made of letters, digits, `.`, `_` and `-`) or `{model}` (the same, read as the model the
 * call is for, as in Gemini's `/v1beta/models/{model}:generateContent`). No `..`, no `%`
 * escapes, no empty segment.
 *
 * @example
 * parseCallRule('POST /v1/messages?beta') // { method: 'POST', path: '/v1/messages', query: ['beta'] }
 * parseCallRule('GET /v1/../files')       // { error: "… a '.' or '..' segment …" }
 */
export function parseCallRule(text: string): CallRule | { error: string } {
  const match = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/.exec(text);
  if (!match) return { error: 'expected METHOD /path, e.g. POST /v1/messages/batches' };
  const method = match[1]!.toUpperCase();
  if (!(methods as readonly string[]).includes(method))
    return { error: `${match[1]} is not one of ${methods.join(', ')}` };
  const [path = '', search] = match[2]!.split(/\?(.*)/s, 2);
  const segments = path.split('/').slice(1);
  for (const segment of segments) {
    if (segment === '') return { error: 'the path has an empty segment (// or a trailing /)' };
    if (segment === '.' || segment === '..') return { error: "the path has a '.' or '..' segment" };
    if (!segmentChars.test(segment))
      return { error: `the path segment '${segment}' has a character a rule may not use` };
    const braces = segment.replace(/\{model\}/g, '');
    if (braces.includes('{') || braces.includes('}'))
      return { error: `'${segment}': the only placeholder is {model}` };
  }
  const query = search === undefined ? [] : search.split('&').filter(Boolean);
  for (const name of query) {
    if (!queryName.test(name)) return { error: `'${name}' is not a query parameter name` };
  }
  return { method: method as CallRule['method'], path, query };
}

/** The rule as a user writes it. */
export function formatCallRule(rule: CallRule): string {
  return `${rule.method} ${rule.path}${rule.query.length ? `?${rule.query.join('&')}` : ''}`;
}

const CallRuleText = z.string().refine((text) => !('error' in parseCallRule(text)), {
  message: 'not a call rule (METHOD /path)',
});

export const ModelName = z
  .string()
  .max(200)
  .regex(modelPattern, 'a model name, or a prefix ending in *');

export const ModelBudget = z.object({
  tokens: z
    .number()
    .int()
    .positive()
    .nullable()
    .default(null)
    .describe('tokens the API may report, input, output, cache reads and writes all counted'),
  usd: z
    .number()
    .positive()
    .nullable()
    .default(null)
    .describe('USD, priced by $CORRAL_HOME/prices.json'),
  rpm: z
    .number()
    .int()
    .positive()
    .nullable()
    .default(null)
    .describe('model calls a minute; more wait for their turn'),
});
export type ModelBudget = z.infer<typeof ModelBudget>;

export const ModelPolicy = z.object({
  allowApi: z
    .array(CallRuleText)
    .default([])
    .describe("calls allowed besides the agent CLI's own (--allow-model-api)"),
  model: ModelName.nullable().default(null).describe('the model the agent uses (--model)'),
  allowModels: z
    .array(ModelName)
    .default([])
    .describe('other models it may use (--allow-models); with neither, any'),
  rewriteModel: z
    .boolean()
    .default(false)
    .describe('a call for a model not allowed goes to `model` instead of being refused'),
  budget: ModelBudget.prefault({}),
});
export type ModelPolicy = z.infer<typeof ModelPolicy>;

/** No limits: what an instance without any of the flags gets. */
export const openModelPolicy: ModelPolicy = ModelPolicy.parse({});

/** What an instance has spent on its model API so far (in earlier runs, for a resume). */
export const ModelSpent = z.object({
  tokens: z.number().int().nonnegative(),
  usd: z.number().nonnegative(),
});
export type ModelSpent = z.infer<typeof ModelSpent>;

/** Whether the policy limits the models at all. */
export function limitsModels(policy: ModelPolicy): boolean {
  return policy.model !== null || policy.allowModels.length > 0;
}

function matchesModel(pattern: string, model: string): boolean {
  return pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : model === pattern;
}

/**
 * Whether `model` may be called: any when the policy names none; else the pinned one or
 * one of the allowed names (a pattern ending in `*` is a prefix).
 *
 * @example
 * isModelAllowed({ ...openModelPolicy, model: 'claude-sonnet-4-5' }, 'claude-haiku-4-5') // false
 */
export function isModelAllowed(policy: ModelPolicy, model: string): boolean {
  if (!limitsModels(policy)) return true;
  return [policy.model, ...policy.allowModels].some(
    (pattern) => pattern !== null && matchesModel(pattern, model),
  );
}
