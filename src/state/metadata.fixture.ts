/**
 * A complete, valid instance record for unit tests, with the fields a test cares about
 * given as overrides. Test-only: the build leaves `*.fixture.ts` out of dist.
 */
import { openModelPolicy } from '../protocol/model-policy.js';
import { metadataSchemaVersion, type Metadata } from './metadata.js';

export function sampleMetadata(overrides: Partial<Metadata> = {}): Metadata {
  return {
    schemaVersion: metadataSchemaVersion,
    id: 'claude-k3x9q',
    name: null,
    agent: 'claude',
    backend: 'docker',
    command: [],
    interactive: false,
    setup: null,
    turnBase: null,
    sourceRepo: '/src/repo',
    base: { commit: 'a'.repeat(40), snapshot: null, ref: null },
    branch: 'corral/claude-k3x9q',
    image: null,
    limits: { memoryBytes: 1, cpus: 1, pids: 1 },
    enforcedLimits: null,
    relax: {},
    mounts: [],
    modelPolicy: openModelPolicy,
    network: 'open',
    prompt: null,
    agentSessionId: null,
    contextFiles: [],
    summary: null,
    keep: false,
    timeoutMs: null,
    status: 'created',
    exitCode: null,
    signal: null,
    createdAt: '2024-01-01T00:00:00Z',
    preparedAt: null,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    supervisor: null,
    sandboxId: null,
    run: null,
    workspaceRemoved: false,
    bringBack: null,
    message: null,
    ...overrides,
  };
}
