import { describe, expect, it } from 'vitest';
import { describeEgress, describeOutcome } from './egress-text.js';

describe('egress text', () => {
  it('says what way out an instance has', () => {
    expect(describeEgress({ network: 'none', backend: 'docker', agent: 'shell' })).toBe(
      'no network',
    );
    expect(describeEgress({ network: 'open', backend: 'docker', agent: 'claude' })).toBe(
      'egress only to its model API and allowed hosts, through the gateway',
    );
  });

  it('gives the denial, the failure of an allowed attempt, or nothing when it went through', () => {
    expect(describeOutcome({ allowed: false, reason: 'not in the allowlist' })).toBe(
      'not in the allowlist',
    );
    expect(describeOutcome({ allowed: true, reason: 'getaddrinfo ENOTFOUND x.test' })).toBe(
      'failed: getaddrinfo ENOTFOUND x.test',
    );
    expect(describeOutcome({ allowed: true, reason: null })).toBe('');
  });
});
