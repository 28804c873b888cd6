/**
 * System test of the sandboxes started beside a checkout (orchestrator/early-sandboxes.ts)
 * on a real engine: the run claims the one started with its very spec; one started with
 * another spec (the policy changed before the run began) is ended and not handed out; one
 * nobody claims is ended after its wait; a failed checkout leaves none.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../../src/backends/backend.js';
import { instanceLabels } from '../../src/backends/labels.js';
import {
  DockerBackend,
  findImagesDir,
  getDefaultImageTag,
} from '../../src/backends/docker/index.js';
import { EarlySandboxes } from '../../src/orchestrator/early-sandboxes.js';
import { waitFor } from '../helpers/cli.js';

const backend = new DockerBackend();
let root: string;
let counter = 0;

async function makeSpec(): Promise<SandboxSpec> {
  const id = `early-${process.pid}-${++counter}`;
  const workspace = join(root, id);
  await mkdir(workspace, { recursive: true });
  return {
    instanceId: id,
    workspaceDir: workspace,
    image: getDefaultImageTag(findImagesDir()),
    env: { CORRAL_INSTANCE: id },
    limits: { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 },
    labels: instanceLabels(id, root),
    network: 'none',
  };
}

/** Whether a container of the instance is running. */
async function running(id: string): Promise<boolean> {
  return (await backend.listSandboxes()).some((s) => s.instanceId === id && s.running);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'corral-early-'));
});

afterAll(async () => {
  for (const s of await backend.listSandboxes()) {
    if (s.home === root) await backend.removeSandbox(s.id);
  }
  await rm(root, { recursive: true, force: true });
});

describe('sandboxes started beside the checkout', () => {
  it('are claimed by the run with the same spec, over the checked-out files', async () => {
    const early = new EarlySandboxes();
    const spec = await makeSpec();
    let written!: () => void;
    early.begin(backend, spec, new Promise<void>((resolve) => (written = resolve)));
    await writeFile(join(spec.workspaceDir, 'checked-out.txt'), 'yes\n');
    written();
    const sandbox = await early.claim({ ...spec });
    expect(sandbox).toBeDefined();
    const r = await sandbox!.exec(['sh', '-c', 'cat checked-out.txt && echo $CORRAL_INSTANCE']);
    expect(r.stdout).toBe(`yes\n${spec.instanceId}\n`);
    // Claimed once: a second run of the instance starts its own.
    expect(await early.claim(spec)).toBeUndefined();
    await sandbox!.stop();
  });

  it('are ended, not handed out, when the run asks for another spec', async () => {
    const early = new EarlySandboxes();
    const spec = await makeSpec();
    early.begin(backend, spec, Promise.resolve());
    const changed = { ...spec, network: 'open' as const, allowHosts: ['example.test'] };
    expect(await early.claim(changed)).toBeUndefined();
    expect(await running(spec.instanceId)).toBe(false);
  });

  it('are ended when nobody claims them', async () => {
    const early = new EarlySandboxes(500);
    const spec = await makeSpec();
    early.begin(backend, spec, Promise.resolve());
    // Up first (the positive control), then ended by the wait.
    await waitFor('the early sandbox running', async () =>
      (await running(spec.instanceId)) ? true : undefined,
    );
    await waitFor('the unclaimed sandbox ended', async () =>
      (await running(spec.instanceId)) ? undefined : true,
    );
    expect(await early.claim(spec)).toBeUndefined();
  });

  it('leave nothing when the checkout fails', async () => {
    const early = new EarlySandboxes();
    const spec = await makeSpec();
    early.begin(
      backend,
      spec,
      new Promise((_, reject) => setTimeout(() => reject(new Error('checkout failed')), 300)),
    );
    expect(await early.claim(spec)).toBeUndefined();
    expect(await running(spec.instanceId)).toBe(false);
  });
});
