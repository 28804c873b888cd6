import { describe, expect, it } from 'vitest';
import { CorralError } from '../lib/errors.js';
import { geminiAgent } from './gemini/gemini-agent.js';
import { shellAgent } from './shell/shell-agent.js';
import { hostsToAllow, pickCredentials, pickEndpoints, rewriteLoopback } from './host-env.js';

describe('pickCredentials', () => {
  it('passes only the declared variables', () => {
    expect(pickCredentials(geminiAgent, { GEMINI_API_KEY: 'g-123456', OTHER_SECRET: 'x' })).toEqual(
      { GEMINI_API_KEY: 'g-123456' },
    );
    expect(pickCredentials(shellAgent, { GEMINI_API_KEY: 'g' })).toEqual({});
  });
  it('fails before anything starts when none is set', () => {
    const err = (() => {
      try {
        pickCredentials(geminiAgent, {});
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CorralError);
    expect((err as CorralError).line).toContain('GEMINI_API_KEY');
  });
});

describe('rewriteLoopback', () => {
  it('points loopback at the host alias and leaves other hosts alone', () => {
    expect(rewriteLoopback('http://127.0.0.1:8080', 'host.docker.internal')).toBe(
      'http://host.docker.internal:8080',
    );
    expect(rewriteLoopback('http://localhost:9/v1/', 'host.docker.internal')).toBe(
      'http://host.docker.internal:9/v1/',
    );
    expect(rewriteLoopback('https://api.anthropic.com', 'host.docker.internal')).toBe(
      'https://api.anthropic.com',
    );
    expect(rewriteLoopback('http://127.0.0.1:8080', null)).toBe('http://127.0.0.1:8080');
  });
  it('applies to the adapter endpoint variables only', () => {
    expect(
      pickEndpoints(
        geminiAgent,
        { GOOGLE_GEMINI_BASE_URL: 'http://localhost:1234', ANTHROPIC_BASE_URL: 'http://x' },
        'h',
      ),
    ).toEqual({
      GOOGLE_GEMINI_BASE_URL: 'http://h:1234',
    });
  });
});

describe('hostsToAllow', () => {
  it("allows the endpoints' hosts, or else the API's own", () => {
    expect(
      hostsToAllow(geminiAgent, { GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:8080/v1' }),
    ).toEqual(['127.0.0.1:8080']);
    expect(hostsToAllow(geminiAgent, {})).toEqual(['generativelanguage.googleapis.com']);
  });
});
