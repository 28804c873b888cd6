import { describe, expect, it } from 'vitest';
import { sampleMetadata } from '../state/metadata.fixture.js';
import { labelKeys } from '../backends/labels.js';
import { getSandboxSpec } from './sandbox-spec.js';

describe('getSandboxSpec', () => {
  const m = sampleMetadata({ id: 'sh-spec1', network: 'open', image: 'corral-sandbox:abc' });
  const where = {
    home: '/home/me/.corral',
    workspace: '/home/me/.corral/instances/sh-spec1/workspace',
  };

  it("takes what the sandbox is from the record: its image, limits, network and corral's labels", () => {
    const spec = getSandboxSpec(m, where);
    expect(spec).toMatchObject({
      instanceId: 'sh-spec1',
      workspaceDir: where.workspace,
      image: 'corral-sandbox:abc',
      env: { CORRAL_INSTANCE: 'sh-spec1' },
      limits: m.limits,
      network: 'open',
    });
    expect(spec.labels[labelKeys.instance]).toBe('sh-spec1');
    expect(spec).not.toHaveProperty('allowHosts');
    expect(spec).not.toHaveProperty('fence');
  });

  it('adds what only a run knows, and keeps the part a resume checks as it is', () => {
    const run = getSandboxSpec(m, where, {
      allowHosts: ['npmjs.org'],
      tools: ['claude'],
      hostPath: '/usr/bin',
    });
    expect(run).toEqual({
      ...getSandboxSpec(m, where),
      allowHosts: ['npmjs.org'],
      tools: ['claude'],
      hostPath: '/usr/bin',
    });
  });
});
