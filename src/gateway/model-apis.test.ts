import { describe, expect, it } from 'vitest';
import { getGatewayError, getKeyAuth } from './model-apis.js';

describe('getKeyAuth', () => {
  it('is x-goog-api-key for google, bearer for openai, by key kind for anthropic', () => {
    expect(getKeyAuth('google', 'AIza-x', 'bearer')).toBe('x-goog-api-key');
    expect(getKeyAuth('openai', 'sk-x')).toBe('bearer');
    expect(getKeyAuth('anthropic', 'sk-ant-oat01-x')).toBe('bearer');
    expect(getKeyAuth('anthropic', 'sk-ant-api03-x')).toBe('x-api-key');
  });
});

describe('getGatewayError', () => {
  it("answers a refused call with a 403 in each API's own shape", () => {
    const a = getGatewayError('anthropic', 'forbidden', 'no');
    expect(a.status).toBe(403);
    expect(JSON.parse(a.body)).toEqual({
      type: 'error',
      error: { type: 'permission_error', message: 'no' },
    });
    const o = getGatewayError('openai', 'forbidden', 'no');
    expect(o.status).toBe(403);
    expect(JSON.parse(o.body)).toEqual({
      error: {
        message: 'no',
        type: 'invalid_request_error',
        code: 'permission_denied',
        param: null,
      },
    });
    const g = getGatewayError('google', 'forbidden', 'no');
    expect(g.status).toBe(403);
    expect(JSON.parse(g.body)).toEqual({
      error: { code: 403, message: 'no', status: 'PERMISSION_DENIED' },
    });
  });

  it('answers a spent budget with the quota error each CLI takes as final', () => {
    const a = getGatewayError('anthropic', 'budget', 'spent');
    expect(a.status).toBe(429);
    expect(a.headers['x-should-retry']).toBe('false');
    expect(JSON.parse(a.body)).toMatchObject({ error: { type: 'rate_limit_error' } });
    const o = getGatewayError('openai', 'budget', 'spent');
    expect(o.status).toBe(429);
    expect(JSON.parse(o.body)).toMatchObject({
      error: { type: 'insufficient_quota', code: 'insufficient_quota' },
    });
    const g = getGatewayError('google', 'budget', 'spent');
    expect(g.status).toBe(429);
    const body = JSON.parse(g.body) as {
      error: { status: string; details: Array<{ violations: Array<{ quotaId: string }> }> };
    };
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    // Gemini CLI retries a 429 unless its QuotaFailure names a daily quota.
    expect(body.error.details[0]?.violations[0]?.quotaId).toContain('PerDay');
  });

  it('answers a flood past --rpm with a plain rate limit to retry later', () => {
    for (const api of ['anthropic', 'openai', 'google'] as const) {
      const e = getGatewayError(api, 'rate', 'wait');
      expect(e.status).toBe(429);
      expect(e.headers['retry-after']).toBe('10');
      expect(e.headers['x-should-retry']).toBeUndefined();
    }
  });
});
