import { describe, expect, it } from 'vitest';
import { readRequestTarget } from './request-target.js';

describe('readRequestTarget', () => {
  it('reads a plain path under the base path, as the API spells it', () => {
    expect(readRequestTarget('anthropic', '/v1/messages?beta=true', '')).toEqual({
      ok: true,
      target: {
        path: '/v1/messages',
        apiPath: '/v1/messages',
        search: 'beta=true',
        queryNames: ['beta'],
      },
    });
    // OpenAI's base URL ends in /v1; a proxy's may hold more.
    const o = readRequestTarget('openai', '/openai/v1/responses', '/openai/v1');
    expect(o.ok && o.target.apiPath).toBe('/v1/responses');
    expect(o.ok && o.target.path).toBe('/openai/v1/responses');
    const g = readRequestTarget('google', '/v1beta/models/gemini-2.5-pro:generateContent', '');
    expect(g.ok && g.target.apiPath).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
  });

  it.each([
    ['/v1/../v1/files', "'.' or '..'"],
    ['/v1/./messages', "'.' or '..'"],
    ['/v1/messages/..', "'.' or '..'"],
    ['/v1/%2e%2e/files', '% escape'],
    ['/v1/messages%2f..%2ffiles', '% escape'],
    ['/v1/messages%2Fbatches', '% escape'],
    ['//v1/messages', 'empty segment'],
    ['/v1//messages', 'empty segment'],
    ['/v1/messages/', 'empty segment'],
    ['/v1\\messages', 'character'],
    ['/v1/mess ages', 'character'],
    ['http://api.anthropic.com/v1/messages', 'origin-form'],
    ['*', 'origin-form'],
  ])('refuses %s', (url, why) => {
    const r = readRequestTarget('anthropic', url, '');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why).toContain(why);
  });

  it('refuses a path outside the base path', () => {
    const r = readRequestTarget('openai', '/v2/responses', '/v1');
    expect(r).toEqual({ ok: false, why: "the path is not under the API's base path /v1" });
    expect(readRequestTarget('openai', '/v1x/responses', '/v1').ok).toBe(false);
  });

  it.each([
    ['alt=sse&key=AIza-x', 'alt=sse', ['alt']],
    ['key=AIza-x', '', []],
    ['key', '', []],
    ['a=1&key=x&b=2&key=y', 'a=1&b=2', ['a', 'b']],
    ['%6Bey=x&alt=sse', 'alt=sse', ['alt']],
    ['apikey=1&monkey=2&keys=3', 'apikey=1&monkey=2&keys=3', ['apikey', 'monkey', 'keys']],
  ])("google: drops the key parameter: %s → '%s'", (search, sent, names) => {
    const r = readRequestTarget('google', `/v1beta/models?${search}`, '');
    expect(r.ok && r.target.search).toBe(sent);
    expect(r.ok && r.target.queryNames).toEqual(names);
  });

  it("leaves other APIs' queries byte for byte, and refuses one it cannot read", () => {
    const r = readRequestTarget('anthropic', '/v1/messages?key=1&beta=true', '');
    expect(r.ok && r.target.search).toBe('key=1&beta=true');
    expect(readRequestTarget('google', '/v1beta/models?alt=sse&%E0%A4%A=x', '').ok).toBe(false);
    expect(readRequestTarget('anthropic', '/v1/messages?beta=<x>', '').ok).toBe(false);
  });
});
