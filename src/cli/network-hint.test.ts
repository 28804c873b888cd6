import { describe, expect, it } from 'vitest';
import { sampleMetadata } from '../state/metadata.fixture.js';
import type { Metadata, Summary } from '../state/index.js';
import { getNetworkHint } from './network-hint.js';

function ended(unreachableHosts: string[], overrides: Partial<Metadata> = {}): Metadata {
  const summary: Summary = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: null,
    filesChanged: 0,
    linesAdded: null,
    linesDeleted: null,
    toolCalls: 0,
    denials: [],
    egressDenied: 0,
    modelCallsDenied: 0,
    unreachableHosts,
  };
  return sampleMetadata({
    id: 'shell-ab12c',
    agent: 'shell',
    status: 'failed',
    exitCode: 1,
    network: 'none',
    workspaceRemoved: true,
    summary,
    ...overrides,
  });
}

describe('getNetworkHint', () => {
  it('names the host and the preset holding it when a sandbox without network failed', () => {
    const hint = getNetworkHint(ended(['registry.npmjs.org']));
    expect(hint).toEqual({
      reason: 'no-network',
      hosts: ['registry.npmjs.org'],
      runOptions: ['--allow npm'],
      allowCommand: null,
      text: 'it could not reach registry.npmjs.org (this sandbox has no network); run it again with --allow npm',
    });
  });

  it('gives --allow-host for a host no preset holds, one preset for several of its hosts', () => {
    const hint = getNetworkHint(ended(['pypi.org', 'files.pythonhosted.org', 'example.test']));
    expect(hint?.runOptions).toEqual(['--allow pypi', '--allow-host example.test']);
  });

  it('says to allow then resume a kept instance the egress policy refused', () => {
    const hint = getNetworkHint(
      ended(['api.github.com'], { network: 'open', keep: true, workspaceRemoved: false }),
    );
    expect(hint?.allowCommand).toBe('corral allow shell-ab12c github && corral resume shell-ab12c');
    expect(hint?.text).toBe(
      'it could not reach api.github.com (refused by the egress policy); allow and go on: corral allow shell-ab12c github && corral resume shell-ab12c; or run it again with --allow github',
    );
    // Not kept: only a new run can have it.
    expect(getNetworkHint(ended(['api.github.com'], { network: 'open' }))?.allowCommand).toBeNull();
  });

  it('says nothing when the run succeeded or tried no host', () => {
    expect(getNetworkHint(ended(['registry.npmjs.org'], { status: 'succeeded' }))).toBeNull();
    expect(getNetworkHint(ended([]))).toBeNull();
    expect(getNetworkHint(sampleMetadata({ status: 'failed' }))).toBeNull();
  });

  it('names five hosts and counts the rest', () => {
    const hosts = Array.from({ length: 7 }, (_, i) => `h${i}.test`);
    expect(getNetworkHint(ended(hosts))?.text).toMatch(
      /^it could not reach h0\.test, h1\.test, h2\.test, h3\.test, h4\.test and 2 more \(/,
    );
  });
});
