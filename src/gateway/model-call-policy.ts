/**
 * The decisions the model gateway makes about one call before it goes out with the real
 * key, as pure functions: is the method and path on the list (model-api-allowlist.ts), is
 * its model allowed (or to be rewritten to the pinned one), can a dollar budget price it.
 * Each refusal says why in a sentence for the agent, and which kind of error answers it.
 * The model is read from the path (Gemini) or from the JSON body's `model` (Anthropic,
 * OpenAI); a rewrite changes only that.
 */
import { matchCall, type CompiledRule, type MatchedCall } from './model-api-allowlist.js';
import type { GatewayErrorKind } from './model-apis.js';
import type { DenialReason } from '../protocol/model-denial-record.js';
import { isModelAllowed, limitsModels, type ModelPolicy } from '../protocol/model-policy.js';
import { readRequestTarget, type RequestTarget } from './request-target.js';
import { findPrice, type PriceTable } from './usage-cost.js';
import type { ModelApi } from '../protocol/usage-record.js';

export interface Refusal {
  reason: DenialReason;
  kind: GatewayErrorKind;
  message: string;
}

export type TargetDecision =
  { ok: true; target: RequestTarget; call: MatchedCall } | { ok: false; refusal: Refusal };

/** Whether the method, path and query of a call are on the list. */
export function decideTarget(
  api: ModelApi,
  rules: readonly CompiledRule[],
  method: string,
  rawUrl: string,
  pathPrefix: string,
): TargetDecision {
  const read = readRequestTarget(api, rawUrl, pathPrefix);
  if (!read.ok) {
    return {
      ok: false,
      refusal: { reason: 'bad-target', kind: 'forbidden', message: `refused: ${read.why}` },
    };
  }
  const { target } = read;
  const call = matchCall(rules, method, target.apiPath, target.queryNames);
  if (call) return { ok: true, target, call };
  const sameCall = matchCall(rules, method, target.apiPath, []);
  const message = sameCall
    ? `refused: ${method} ${target.apiPath} may not carry the query parameters ${target.queryNames.join(', ')}`
    : `refused: ${method} ${target.apiPath} is not a call this instance may make with the key (corral run --allow-model-api '${method} ${target.apiPath}' allows it)`;
  return { ok: false, refusal: { reason: 'not-allowed', kind: 'forbidden', message } };
}

/** The `model` of a JSON body, or null. */
export function readBodyModel(body: Buffer): string | null {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    const model = (value as { model?: unknown }).model;
    return typeof model === 'string' ? model : null;
  } catch {
    return null;
  }
}

/** The body with its `model` replaced (key order kept). */
export function rewriteBodyModel(body: Buffer, model: string): Buffer {
  const value = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  value.model = model;
  return Buffer.from(JSON.stringify(value));
}

/** The path with the model it names replaced (a rule with `{model}`). */
export function rewritePathModel(path: string, from: string, to: string): string {
  const at = path.lastIndexOf(`/${from}`);
  return at < 0 ? path : `${path.slice(0, at)}/${to}${path.slice(at + 1 + from.length)}`;
}

export type ModelDecision =
  { ok: true; rewriteTo: string | null } | { ok: false; refusal: Refusal };

/**
 * What to do with a call for `model` (null: none could be read). With models limited, a
 * call that names none is refused when its rule is one that must (`needsModel`); with a
 * dollar budget, so is one whose model has no price.
 */
export function decideModel(
  policy: ModelPolicy,
  prices: PriceTable | undefined,
  model: string | null,
  needsModel: boolean,
): ModelDecision {
  let rewriteTo: string | null = null;
  if (limitsModels(policy)) {
    if (model === null) {
      if (needsModel) {
        return {
          ok: false,
          refusal: {
            reason: 'model',
            kind: 'forbidden',
            message: 'refused: the call names no model, and this instance may use only some',
          },
        };
      }
    } else if (!isModelAllowed(policy, model)) {
      if (!policy.rewriteModel || policy.model === null) {
        const allowed = [policy.model, ...policy.allowModels].filter(Boolean).join(', ');
        return {
          ok: false,
          refusal: {
            reason: 'model',
            kind: 'forbidden',
            message: `refused: this instance may not use the model ${model} (allowed: ${allowed})`,
          },
        };
      }
      rewriteTo = policy.model;
    }
  }
  const priced = rewriteTo ?? model;
  if (policy.budget.usd !== null && needsModel && (priced === null || !findPrice(prices, priced))) {
    return {
      ok: false,
      refusal: {
        reason: 'no-price',
        kind: 'forbidden',
        message: `refused: the instance has a dollar budget and $CORRAL_HOME/prices.json has no price for ${priced ?? 'a call that names no model'}`,
      },
    };
  }
  return { ok: true, rewriteTo };
}
