/**
 * The docker backend's `open` network, for an agent reaching its model API: the sandbox
 * joins the engine network it is given and reaches a server there (a container this test
 * starts on an internal network of its own, so no traffic leaves the machine), while a
 * `none` sandbox of the same backend reaches nothing.
 */
import { execFileSync } from 'node:child_process';
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

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const network = `corral-test-net-${process.pid}`;
const server = `corral-test-api-${process.pid}`;
// A one-line HTTP server in perl (perl-base is in every Debian image).
const serve = `perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>8080,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){<$c>; print $c "HTTP/1.0 200 OK\\r\\n\\r\\nmodel api here\\n"; close $c}'`;

describe('docker backend: open network', () => {
  const image = getDefaultImageTag(findImagesDir());
  const backend = new DockerBackend({ openNetwork: network });
  const started: Sandbox[] = [];

  async function start(net: 'open' | 'none'): Promise<Sandbox> {
    const id = `net-${net}-${process.pid}`;
    const spec: SandboxSpec = {
      instanceId: id,
      workspaceDir: await mkdtemp(join(tmpdir(), 'corral-net-ws-')),
      image,
      env: {},
      limits: { memoryBytes: 256 * 1024 ** 2, cpus: 1, pids: 128 },
      labels: instanceLabels(id, tmpdir()),
      network: net,
    };
    const sandbox = await backend.start(spec);
    started.push(sandbox);
    return sandbox;
  }

  beforeAll(() => {
    docker('network', 'create', '--internal', network);
    docker('run', '-d', '--rm', '--name', server, '--network', network, image, 'sh', '-c', serve);
  });

  afterAll(async () => {
    for (const s of started) await s.stop();
    docker('rm', '-f', server);
    docker('network', 'rm', network);
  });

  it('reaches a server on the network it joins, and names the host', async () => {
    const sandbox = await start('open');
    const r = await sandbox.exec([
      'sh',
      '-c',
      `for i in 1 2 3 4 5; do curl -sS -m 3 http://${server}:8080/ && break; sleep 1; done`,
    ]);
    expect(r.stdout).toContain('model api here');
    const hosts = docker(
      'inspect',
      '--format',
      '{{json .HostConfig.ExtraHosts}}',
      `corral-${`net-open-${process.pid}`}`,
    );
    expect(hosts).toContain('host.docker.internal:host-gateway');
  });

  it('a sandbox without network reaches nothing', async () => {
    const sandbox = await start('none');
    const r = await sandbox.exec([
      'sh',
      '-c',
      `curl -sS -m 3 http://${server}:8080/; echo "rc=$?"`,
    ]);
    expect(r.stdout).not.toContain('model api here');
    expect(r.stdout).toMatch(/rc=[1-9]/);
  });
});
