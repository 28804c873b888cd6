import { describe, expect, it } from 'vitest';
import { getKeyAuth, getUpstreamSearch } from './model-apis.js';

describe('getUpstreamSearch', () => {
  it.each([
    ['alt=sse&key=AIza-x', 'alt=sse'],
    ['key=AIza-x', ''],
    ['key', ''],
    ['a=1&key=x&b=2&key=y', 'a=1&b=2'],
    ['%6Bey=x&alt=sse', 'alt=sse'],
    ['apikey=1&monkey=2&keys=3', 'apikey=1&monkey=2&keys=3'],
    ['alt=sse&%E0%A4%A=x', 'alt=sse&%E0%A4%A=x'],
  ])('google: %s → %s', (search, sent) => {
    expect(getUpstreamSearch('google', search)).toBe(sent);
  });

  it('leaves other APIs’ queries byte for byte', () => {
    expect(getUpstreamSearch('anthropic', 'key=1&beta=true')).toBe('key=1&beta=true');
    expect(getUpstreamSearch('openai', 'key=1')).toBe('key=1');
  });
});

describe('getKeyAuth', () => {
  it('is x-goog-api-key for google, bearer for openai, by key kind for anthropic', () => {
    expect(getKeyAuth('google', 'AIza-x', 'bearer')).toBe('x-goog-api-key');
    expect(getKeyAuth('openai', 'sk-x')).toBe('bearer');
    expect(getKeyAuth('anthropic', 'sk-ant-oat01-x')).toBe('bearer');
    expect(getKeyAuth('anthropic', 'sk-ant-api03-x')).toBe('x-api-key');
  });
});
