import { describe, expect, it } from 'vitest';
import {
  formatCallRule,
  isModelAllowed,
  ModelPolicy,
  openModelPolicy,
  parseCallRule,
} from './model-policy.js';

describe('parseCallRule', () => {
  it('reads METHOD /path with the query names it may carry', () => {
    expect(parseCallRule('post /v1/messages/batches')).toEqual({
      method: 'POST',
      path: '/v1/messages/batches',
      query: [],
    });
    const rule = parseCallRule('GET /v1beta/models/{model}:countTokens?alt&x');
    expect(rule).toEqual({
      method: 'GET',
      path: '/v1beta/models/{model}:countTokens',
      query: ['alt', 'x'],
    });
    if (!('error' in rule))
      expect(formatCallRule(rule)).toBe('GET /v1beta/models/{model}:countTokens?alt&x');
  });

  it.each([
    ['/v1/messages', 'METHOD /path'],
    ['FETCH /v1/messages', 'not one of'],
    ['POST v1/messages', 'METHOD /path'],
    ['POST /v1/../files', "'..'"],
    ['POST /v1//files', 'empty segment'],
    ['POST /v1/files/', 'empty segment'],
    ['POST /v1/%2e%2e', 'character'],
    ['POST /v1/{id}', 'placeholder'],
    ['POST /v1/files?a=b', 'query parameter name'],
  ])('refuses %s', (text, why) => {
    const rule = parseCallRule(text);
    expect('error' in rule && rule.error).toContain(why);
  });
});

describe('isModelAllowed', () => {
  it('allows any model when none is named', () => {
    expect(isModelAllowed(openModelPolicy, 'anything')).toBe(true);
  });

  it('allows the pinned model and the allowed names and prefixes, nothing else', () => {
    const p = ModelPolicy.parse({ model: 'claude-sonnet-4-5', allowModels: ['claude-haiku-*'] });
    expect(isModelAllowed(p, 'claude-sonnet-4-5')).toBe(true);
    expect(isModelAllowed(p, 'claude-haiku-4-5-20251001')).toBe(true);
    expect(isModelAllowed(p, 'claude-sonnet-4-5-20250929')).toBe(false);
    expect(isModelAllowed(p, 'claude-opus-4-1')).toBe(false);
  });

  it('refuses a bad call rule or model name in a record', () => {
    expect(ModelPolicy.safeParse({ allowApi: ['GET /v1/..'] }).success).toBe(false);
    expect(ModelPolicy.safeParse({ model: '-x' }).success).toBe(false);
    expect(ModelPolicy.parse({ budget: { tokens: 5 } }).budget).toEqual({
      tokens: 5,
      usd: null,
      rpm: null,
    });
  });
});
