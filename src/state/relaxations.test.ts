import { openModelPolicy } from '../protocol/model-policy.js';
import { describe, expect, it } from 'vitest';
import { Metadata } from './metadata.js';
import { listRelaxations, Relaxations } from './relaxations.js';

const oldRecord = {
  schemaVersion: 1,
  id: 'shell-k3x9q',
  name: null,
  agent: 'shell',
  backend: 'docker',
  command: ['true'],
  interactive: false,
  sourceRepo: '/src/repo',
  base: { commit: 'a'.repeat(40), snapshot: null, ref: null },
  branch: 'corral/shell-k3x9q',
  image: 'corral-sandbox:1',
  limits: { memoryBytes: 1024, cpus: 1, pids: 64 },
  network: 'none',
  keep: false,
  timeoutMs: null,
  status: 'succeeded',
  exitCode: 0,
  signal: null,
  createdAt: '2024-01-01T00:00:00Z',
  startedAt: null,
  endedAt: null,
  durationMs: null,
  supervisor: null,
  sandboxId: null,
  workspaceRemoved: true,
  bringBack: null,
  message: null,
};

describe('relaxations in metadata', () => {
  it('a record from before them reads as fully hardened', () => {
    const m = Metadata.parse(oldRecord);
    expect(m.relax).toEqual({});
    expect(m.mounts).toEqual([]);
    // …and as a record without model limits.
    expect(m.modelPolicy).toEqual(openModelPolicy);
    expect(listRelaxations(m.relax, m.mounts)).toEqual([]);
  });

  it('refuses an unknown capability', () => {
    expect(Relaxations.safeParse({ capAdd: ['NET_FOO'] }).success).toBe(false);
  });
});

describe('listRelaxations', () => {
  it('names the flag and what it weakens, one item each', () => {
    const list = listRelaxations(
      {
        rootUser: true,
        capAdd: ['NET_RAW'],
        newPrivileges: true,
        writableRoot: true,
        noLimits: true,
        hostMounts: true,
        dockerSocket: true,
      },
      [{ source: '/srv/cache', target: '/cache', readOnly: true }],
    );
    expect(list.map((r) => r.flag)).toEqual([
      '--unsafe-root',
      '--unsafe-cap-add NET_RAW',
      '--unsafe-new-privileges',
      '--unsafe-writable-root',
      '--unsafe-no-limits',
      '--unsafe-docker-socket',
      '--unsafe-mount /srv/cache:/cache:ro',
    ]);
    expect(list[5]?.weakens).toMatch(/control of the host/);
    expect(list[6]?.weakens).toMatch(/host path \/srv\/cache at \/cache \(read-only\)/);
  });

  it('lists a call added to the model API as a relaxation too', () => {
    expect(listRelaxations({}, [], ['POST /v1/messages/batches'])).toEqual([
      {
        flag: "--allow-model-api 'POST /v1/messages/batches'",
        weakens: 'the agent may call POST /v1/messages/batches on its model API with the real key',
      },
    ]);
  });
});
