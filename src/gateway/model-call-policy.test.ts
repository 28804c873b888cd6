import { describe, expect, it } from 'vitest';
import { getCallRules } from './model-api-allowlist.js';
import {
  decideModel,
  decideTarget,
  readBodyModel,
  rewriteBodyModel,
  rewritePathModel,
} from './model-call-policy.js';
import { ModelPolicy, openModelPolicy } from '../protocol/model-policy.js';

describe('decideTarget', () => {
  const rules = getCallRules('anthropic');

  it('lets a call on the list through, as the API spells it', () => {
    const d = decideTarget('anthropic', rules, 'POST', '/v1/messages?beta=true', '');
    expect(d.ok && d.target.apiPath).toBe('/v1/messages');
  });

  it('refuses a call off the list, saying how to allow it', () => {
    const d = decideTarget('anthropic', rules, 'GET', '/v1/files', '');
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.refusal).toMatchObject({ reason: 'not-allowed', kind: 'forbidden' });
      expect(d.refusal.message).toContain("--allow-model-api 'GET /v1/files'");
    }
  });

  it('refuses a query parameter the call may not carry, and a target that is not plain', () => {
    const q = decideTarget('anthropic', rules, 'POST', '/v1/messages?beta=true&x=/../files', '');
    expect(!q.ok && q.refusal.message).toContain('may not carry the query parameters beta, x');
    const dots = decideTarget('anthropic', rules, 'POST', '/v1/files/../messages', '');
    expect(!dots.ok && dots.refusal.reason).toBe('bad-target');
  });
});

describe('decideModel', () => {
  const pinned = ModelPolicy.parse({ model: 'claude-sonnet-4-5' });

  it('lets any model through when none is named', () => {
    expect(decideModel(openModelPolicy, undefined, 'x', true)).toEqual({
      ok: true,
      rewriteTo: null,
    });
  });

  it('refuses another model, or rewrites it when asked', () => {
    const d = decideModel(pinned, undefined, 'claude-opus-4-1', true);
    expect(!d.ok && d.refusal.message).toBe(
      'refused: this instance may not use the model claude-opus-4-1 (allowed: claude-sonnet-4-5)',
    );
    const r = decideModel({ ...pinned, rewriteModel: true }, undefined, 'claude-opus-4-1', true);
    expect(r).toEqual({ ok: true, rewriteTo: 'claude-sonnet-4-5' });
  });

  it('refuses a model call that names no model when models are limited', () => {
    expect(decideModel(pinned, undefined, null, true).ok).toBe(false);
    expect(decideModel(pinned, undefined, null, false).ok).toBe(true);
  });

  it('with a dollar budget, refuses a model without a price', () => {
    const p = ModelPolicy.parse({ budget: { usd: 1 } });
    const prices = { 'claude-sonnet-4': { input: 3, output: 15 } };
    expect(decideModel(p, prices, 'claude-sonnet-4-5', true).ok).toBe(true);
    const d = decideModel(p, prices, 'claude-haiku-4-5', true);
    expect(!d.ok && d.refusal.reason).toBe('no-price');
    expect(decideModel(p, prices, null, false).ok).toBe(true);
  });
});

describe('reading and rewriting the model', () => {
  it('reads the body model and replaces only it', () => {
    const body = Buffer.from('{"model":"a","stream":true,"messages":[]}');
    expect(readBodyModel(body)).toBe('a');
    expect(readBodyModel(Buffer.from('not json'))).toBeNull();
    expect(rewriteBodyModel(body, 'b').toString()).toBe(
      '{"model":"b","stream":true,"messages":[]}',
    );
  });

  it('replaces the model in a Gemini path', () => {
    expect(
      rewritePathModel('/v1beta/models/gemini-pro:generateContent', 'gemini-pro', 'gemini-flash'),
    ).toBe('/v1beta/models/gemini-flash:generateContent');
  });
});
