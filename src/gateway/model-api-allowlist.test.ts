import { describe, expect, it } from 'vitest';
import { getCallRules, matchCall } from './model-api-allowlist.js';

describe('matchCall', () => {
  it('lets through the calls the CLIs make (recorded from the pinned versions)', () => {
    const anthropic = getCallRules('anthropic');
    expect(matchCall(anthropic, 'POST', '/v1/messages', ['beta'])?.rule.carriesModel).toBe(true);
    expect(matchCall(anthropic, 'POST', '/v1/messages/count_tokens', ['beta'])).not.toBeNull();
    expect(matchCall(anthropic, 'GET', '/v1/models', [])?.rule.carriesModel).toBe(false);
    const openai = getCallRules('openai');
    expect(matchCall(openai, 'POST', '/v1/responses', [])).not.toBeNull();
    const google = getCallRules('google');
    const call = matchCall(
      google,
      'POST',
      '/v1beta/models/gemini-3.8-flash:streamGenerateContent',
      ['alt'],
    );
    expect(call?.model).toBe('gemini-3.8-flash');
    expect(
      matchCall(google, 'POST', '/v1beta/models/gemini-3.5-flash-lite:generateContent', [])?.model,
    ).toBe('gemini-3.5-flash-lite');
  });

  it.each([
    ['anthropic', 'GET', '/v1/files', []],
    ['anthropic', 'GET', '/v1/files/file_011/content', []],
    ['anthropic', 'POST', '/v1/messages/batches', []],
    ['anthropic', 'DELETE', '/v1/messages', []],
    ['anthropic', 'GET', '/v1/messages', []],
    ['anthropic', 'POST', '/v1/messages', ['beta', 'target']],
    ['anthropic', 'POST', '/v1/messages/x', []],
    ['anthropic', 'POST', '/v1/organizations/api_keys', []],
    ['openai', 'GET', '/v1/files', []],
    ['openai', 'POST', '/v1/batches', []],
    ['openai', 'POST', '/v1/fine_tuning/jobs', []],
    ['openai', 'GET', '/v1/responses/resp_1', []],
    ['google', 'GET', '/v1beta/files', []],
    ['google', 'POST', '/v1beta/models/gemini-2.5-pro:batchGenerateContent', []],
    ['google', 'POST', '/v1beta/tunedModels', []],
    ['google', 'POST', '/v1beta/models/a:b:generateContent', []],
    ['google', 'POST', '/v1beta/models/gemini-2.5-pro:generateContent', ['alt', 'upload_protocol']],
  ] as const)('refuses %s %s %s', (api, method, path, query) => {
    expect(matchCall(getCallRules(api), method, path, query)).toBeNull();
  });

  it('lets through what --allow-model-api adds, with a wildcard segment', () => {
    const rules = getCallRules('openai', ['GET /v1/files/*?limit']);
    expect(matchCall(rules, 'GET', '/v1/files/file-abc', ['limit'])?.rule.carriesModel).toBe(false);
    expect(matchCall(rules, 'GET', '/v1/files/file-abc/content', [])).toBeNull();
  });
});
