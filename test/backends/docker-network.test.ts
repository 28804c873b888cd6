/**
 * The docker backend's network, below the orchestrator: a `none` sandbox reaches nothing,
 * not even a server on a network the engine has (a container this test starts on an
 * internal network of its own, so no traffic leaves the machine); a sandbox that asks for
 * a way out without a fence is refused, since docker gives one only through the gateway.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox, SandboxSpec } from '../../src/backends/backend.js';
import {
  DockerBackend,
  findImagesDir,
  getDefaultImageTag,
} from '../../src/backends/docker/index.js';
import { instanceLabels } from '../../src/backends/labels.js';
import { startHttpResponder, type HttpResponder } from '../helpers/http-responder.js';
import { createTestNetwork } from '../helpers/stand-in-container.js';

describe('docker backend: network', () => {
  const image = getDefaultImageTag(findImagesDir());
  const backend = new DockerBackend();
  const started: Sandbox[] = [];
  let network: ReturnType<typeof createTestNetwork>;
  let server: HttpResponder;

  async function spec(net: 'open' | 'none'): Promise<SandboxSpec> {
    const id = `net-${net}-${process.pid}`;
    return {
      instanceId: id,
      workspaceDir: await mkdtemp(join(tmpdir(), 'corral-net-ws-')),
      image,
      env: {},
      limits: { memoryBytes: 256 * 1024 ** 2, cpus: 1, pids: 128 },
      labels: instanceLabels(id, tmpdir()),
      network: net,
    };
  }

  beforeAll(() => {
    network = createTestNetwork(`corral-test-net-${process.pid}`);
    server = startHttpResponder({
      name: `corral-test-api-${process.pid}`,
      network: network.name,
      image,
      text: 'model api here',
    });
  });

  afterAll(async () => {
    for (const s of started) await s.stop();
    server?.remove();
    network?.remove();
  });

  it('a sandbox without network reaches nothing', async () => {
    const sandbox = await backend.start(await spec('none'));
    started.push(sandbox);
    const r = await sandbox.exec([
      'sh',
      '-c',
      `curl -sS -m 3 http://${server.ip}:8080/; echo "rc=$?"; ls /sys/class/net`,
    ]);
    expect(r.stdout).not.toContain('model api here');
    expect(r.stdout).toMatch(/rc=[1-9]/);
    expect(r.stdout.trim().split('\n').slice(1)).toEqual(['lo']);
  });

  it('refuses a way out without a fence', async () => {
    await expect(backend.start(await spec('open'))).rejects.toThrow(/only through the gateway/);
  });
});
