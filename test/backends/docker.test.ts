/**
 * System test of the docker backend on a real engine: the shared backend contract, then
 * what a hostile agent inside the container observes when it tries to escape or exhaust
 * it, then the docker-specific plumbing (stdin, terminal mode, signals, re-finding a
 * sandbox from another process, errors a user sees). Builds the default image once, with
 * the host's CA bundle, through the same buildImage the CLI uses. How long its start and
 * exec take is `npm run bench -- --only sandbox`'s to measure, not a test's.
 */
import { chown, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Limits } from '../../src/state/index.js';
import type { Sandbox, SandboxProcess, SandboxSpec } from '../../src/backends/backend.js';
import { hostBridgeAddress } from '../helpers/bridge-address.js';
import { describeBackendContract } from '../../src/backends/backend.contract.js';
import { instanceLabels, labelKeys } from '../../src/backends/labels.js';
import {
  buildImage,
  DockerBackend,
  findImagesDir,
  hostCaBundlePath,
} from '../../src/backends/docker/index.js';

const docker = new Dockerode();
const backend = new DockerBackend({ docker });
let imageReady: Promise<string> | undefined;

/** Builds the default image once per run (a cache hit after the first build). */
function ensureImage(): Promise<string> {
  imageReady ??= buildImage({
    docker,
    caCertFiles: existsSync(hostCaBundlePath) ? [hostCaBundlePath] : [],
    onProgress: () => undefined,
  });
  return imageReady;
}

describeBackendContract('docker', async () => ({
  backend,
  image: await ensureImage(),
  fresh: () => new DockerBackend(),
  hostAddress: hostBridgeAddress(),
}));

describe('docker sandbox', () => {
  let image: string;
  let root: string;
  const started: Sandbox[] = [];
  let counter = 0;

  async function start(
    options: { limits?: Partial<Limits>; owner?: { uid: number; gid: number } } = {},
  ): Promise<{ sandbox: Sandbox; workspace: string; spec: SandboxSpec }> {
    const id = `dockertest-${process.pid}-${++counter}`;
    const workspace = join(root, id);
    await mkdir(workspace, { recursive: true });
    await writeFile(join(workspace, 'hello.txt'), 'hello\n');
    if (options.owner) {
      await chown(workspace, options.owner.uid, options.owner.gid);
      await chown(join(workspace, 'hello.txt'), options.owner.uid, options.owner.gid);
    }
    const spec: SandboxSpec = {
      instanceId: id,
      workspaceDir: workspace,
      image,
      env: { CORRAL_TEST: '1' },
      limits: { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256, ...options.limits },
      labels: instanceLabels(id, root),
    };
    await backend.prepare(spec);
    const sandbox = await backend.start(spec);
    started.push(sandbox);
    return { sandbox, workspace, spec };
  }

  async function sh(
    sandbox: Sandbox,
    script: string,
  ): Promise<{ code: number | null; out: string }> {
    const r = await sandbox.exec(['sh', '-c', script]);
    return { code: r.exitCode, out: r.stdout + r.stderr };
  }

  beforeAll(async () => {
    image = await ensureImage();
    root = await mkdtemp(join(tmpdir(), 'corral-docker-test-'));
  });

  afterAll(async () => {
    for (const s of started) await s.stop();
    await rm(root, { recursive: true, force: true });
  });

  describe('what a hostile agent observes', () => {
    let sandbox: Sandbox;
    let workspace: string;
    beforeAll(async () => {
      ({ sandbox, workspace } = await start());
    });

    it('runs as the non-root uid a root-owned workspace was handed to', async () => {
      const r = await sh(sandbox, 'id -u; id -g; whoami; echo made > mine.txt');
      expect(r.out).toBe('10001\n10001\ncorral\n');
      const made = await stat(join(workspace, 'mine.txt'));
      expect([made.uid, made.gid]).toEqual([10001, 10001]);
      expect((await stat(join(workspace, 'hello.txt'))).uid).toBe(10001);
    });

    it('has no effective capabilities and no-new-privileges', async () => {
      const status = (await sh(sandbox, 'cat /proc/self/status')).out;
      expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
      expect(status).toMatch(/^CapBnd:\s+0000000000000000$/m);
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    });

    it('cannot mount, chown a root file, or unshare into a user namespace with root', async () => {
      // Each tool is there (chown works on the agent's own file, mount lists); what stops
      // it is a refused privilege, not a missing command.
      expect(
        (await sh(sandbox, 'for t in mount chown unshare; do command -v $t; done | wc -l')).out,
      ).toBe('3\n');
      expect((await sh(sandbox, 'chown 10001 /workspace/hello.txt && echo ok')).out).toBe('ok\n');
      expect((await sh(sandbox, 'mount | grep -c " /workspace "')).out).toBe('1\n');
      // /tmp: root's, on a writable filesystem, so only the missing capability stops chown.
      expect((await sh(sandbox, 'stat -c %u /tmp')).out).toBe('0\n');
      const refused = /Operation not permitted|Permission denied|must be superuser/;
      for (const attempt of ['mount -t tmpfs none /tmp', 'chown 10001 /tmp', 'unshare -r id -u']) {
        const r = await sh(sandbox, attempt);
        expect(r.code, attempt).not.toBe(0);
        expect(r.out, attempt).toMatch(refused);
      }
    });

    it('can write only the workspace, /tmp and HOME; the root filesystem is read-only', async () => {
      for (const path of [
        '/etc/corral-x',
        '/corral-x',
        '/usr/local/bin/corral-x',
        '/var/corral-x',
      ]) {
        const r = await sh(sandbox, `echo x > ${path}`);
        expect(r.code, path).not.toBe(0);
      }
      expect(
        (await sh(sandbox, 'touch /tmp/ok "$HOME/ok" /workspace/ok && echo "$HOME"')).out,
      ).toBe('/tmp/home\n');
      expect(existsSync(join(workspace, 'ok'))).toBe(true);
    });

    it('has no Docker socket and no host path but the workspace', async () => {
      const r = await sh(sandbox, 'ls /var/run/docker.sock /run/docker.sock 2>&1; true');
      expect(r.out).toContain('No such file');
      const mounts = (await sh(sandbox, 'cat /proc/self/mountinfo')).out;
      expect(mounts).not.toContain('docker.sock');
      const inspect = await docker.getContainer(sandbox.id).inspect();
      const binds = inspect.Mounts.filter((m) => m.Type === 'bind').map((m) => [
        m.Source,
        m.Destination,
      ]);
      expect(binds).toEqual([[workspace, '/workspace']]);
    });

    it('sees only the loopback interface', async () => {
      expect((await sh(sandbox, 'ls /sys/class/net')).out).toBe('lo\n');
    });

    it('gets only the spec environment, never the host one', async () => {
      process.env.CORRAL_HOST_ONLY_SECRET = 'host-secret';
      try {
        const other = await start();
        const env = (await sh(other.sandbox, 'env')).out;
        expect(env).toContain('CORRAL_TEST=1');
        expect(env).not.toContain('host-secret');
      } finally {
        delete process.env.CORRAL_HOST_ONLY_SECRET;
      }
    });

    it('survives the agent running kill -9 -1, which ends only its own processes', async () => {
      const victim = await sandbox.spawn({
        argv: ['sh', '-c', 'echo started; exec sleep 300'],
        stdio: 'pipe',
      });
      // Only once it runs: a kill that came first would leave it sleeping the full 300 s.
      await new Promise((resolve) => victim.stdout.once('data', resolve));
      const r = await sh(sandbox, 'kill -9 -1; echo after-kill');
      expect(r.out).toBe('after-kill\n');
      // The agent's other process is gone (it killed it), the sandbox is not.
      expect((await victim.wait()).exitCode).toBe(137);
      expect((await sh(sandbox, 'echo alive')).out).toBe('alive\n');
      const keeper = await sh(sandbox, 'kill -9 1 $(ps -o pid= -u 10999) 2>&1');
      expect(keeper.out).toMatch(/Operation not permitted/);
      const inspect = await docker.getContainer(sandbox.id).inspect();
      expect(inspect.State.Running).toBe(true);
    });

    it('runs git in the workspace as its owner', async () => {
      const r = await sh(
        sandbox,
        'git init -q . && git -c user.name=a -c user.email=a@b add -A && git -c user.name=a -c user.email=a@b commit -qm x && git log --format=%s',
      );
      expect(r).toEqual({ code: 0, out: 'x\n' });
    });

    it('trusts the CA certificates given to the image build', async () => {
      // The image was built with this machine's bundle (ensureImage): it must be there.
      const host = await readFile(hostCaBundlePath, 'utf8');
      const count = (host.match(/BEGIN CERTIFICATE/g) ?? []).length;
      expect(count).toBeGreaterThan(0);
      const r = await sh(sandbox, 'ls /usr/local/share/ca-certificates/corral | grep -c "\\.crt$"');
      expect(Number(r.out.trim())).toBe(count);
      // The last certificate's first line of base64, in the trust store the image's tools read.
      const last = host.split('-----BEGIN CERTIFICATE-----').at(-1)?.split('\n')[1] ?? '';
      expect(last).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
      expect((await sh(sandbox, `grep -cF '${last}' /etc/ssl/certs/ca-certificates.crt`)).out).toBe(
        '1\n',
      );
    });
  });

  it('runs as the uid:gid that owns the workspace', async () => {
    const { sandbox, workspace } = await start({ owner: { uid: 4321, gid: 4322 } });
    expect((await sh(sandbox, 'id -u; id -g; echo x > new.txt')).out).toBe('4321\n4322\n');
    const made = await stat(join(workspace, 'new.txt'));
    expect([made.uid, made.gid]).toEqual([4321, 4322]);
  });

  it('bounds a fork bomb by the pids limit and still answers afterwards', async () => {
    const { sandbox } = await start({ limits: { pids: 64 } });
    const bomb = [
      'my @kids;',
      'for (1..200) { my $p = fork(); next unless defined $p; if ($p == 0) { sleep 60; exit 0 } push @kids, $p }',
      'print scalar(@kids), "\\n"; kill "KILL", @kids; waitpid($_, 0) for @kids;',
    ].join(' ');
    const r = await sandbox.exec(['perl', '-e', bomb]);
    const forked = Number(r.stdout.trim());
    expect(forked).toBeGreaterThan(10);
    expect(forked).toBeLessThan(64);
    expect((await sh(sandbox, 'echo still-here')).out).toBe('still-here\n');
  });

  it('applies the memory limit', async () => {
    const { sandbox } = await start({ limits: { memoryBytes: 256 * 1024 ** 2 } });
    const r = await sh(
      sandbox,
      'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
    );
    expect(r.out.trim()).toBe(String(256 * 1024 ** 2));
  });

  it('labels the container and runs it with the documented settings', async () => {
    const { sandbox, spec } = await start({ limits: { pids: 100, cpus: 0.5 } });
    const inspect = await docker.getContainer(sandbox.id).inspect();
    expect(inspect.Name).toBe(`/corral-${spec.instanceId}`);
    expect(inspect.Config.Labels).toMatchObject(spec.labels);
    expect(inspect.Config.Labels[labelKeys.managed]).toBe('true');
    expect(inspect.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      NetworkMode: 'none',
      Init: true,
      PidsLimit: 100,
      NanoCpus: 5e8,
      Memory: spec.limits.memoryBytes,
      MemorySwap: spec.limits.memoryBytes,
    });
    expect(inspect.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(inspect.Config.User).not.toMatch(/^(0|root)(:|$)/);
  });

  describe('processes', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      ({ sandbox } = await start());
    });

    it('feeds stdin and passes EOF on', async () => {
      const proc = await sandbox.spawn({
        argv: ['sh', '-c', 'cat; echo "[eof]" >&2'],
        stdio: 'pipe',
      });
      const chunks: Buffer[] = [];
      const errs: Buffer[] = [];
      proc.stdout.on('data', (c: Buffer) => chunks.push(c));
      proc.stderr.on('data', (c: Buffer) => errs.push(c));
      proc.stdin?.write('line one\n');
      proc.stdin?.end('line two\n');
      expect(await proc.wait()).toEqual({ exitCode: 0, signal: null });
      expect(Buffer.concat(chunks).toString()).toBe('line one\nline two\n');
      expect(Buffer.concat(errs).toString()).toBe('[eof]\n');
    });

    it('passes per-process environment and large output intact', async () => {
      const r = await sandbox.exec(
        ['sh', '-c', 'echo "$ONE"; head -c 3000000 /dev/zero | tr "\\0" a'],
        {
          env: { ONE: 'uno' },
        },
      );
      expect(r.stdout.startsWith('uno\n')).toBe(true);
      expect(r.stdout.length).toBe(4 + 3_000_000);
    });

    it('reports SIGTERM for a terminated process and its children are gone', async () => {
      const proc = await sandbox.spawn({
        argv: ['sh', '-c', 'sleep 301 & sleep 302 & echo started; wait'],
        stdio: 'pipe',
      });
      await printed(proc, 'started');
      const children = 'ps -eo args | grep -c "^sleep 30[12]"; true';
      expect((await sh(sandbox, children)).out).toBe('2\n');
      await proc.terminate(2000);
      await proc.terminate(2000);
      expect(await proc.wait()).toEqual({ exitCode: null, signal: 'SIGTERM' });
      expect((await sh(sandbox, children)).out).toBe('0\n');
    });

    it('escalates to SIGKILL when SIGTERM is ignored', async () => {
      const proc = await sandbox.spawn({
        argv: ['sh', '-c', 'trap "" TERM; echo started; sleep 300'],
        stdio: 'pipe',
      });
      await printed(proc, 'started');
      await proc.terminate(500);
      expect(await proc.wait()).toEqual({ exitCode: null, signal: 'SIGKILL' });
    });

    it('aborts exec() through its signal', async () => {
      const controller = new AbortController();
      const pending = sandbox.exec(['sleep', '300'], { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('canceled by test')), 300);
      await expect(pending).rejects.toThrow('canceled by test');
    });

    it('gives a terminal-mode process a TTY and tees its output', async () => {
      const proc = await sandbox.spawn({
        argv: ['sh', '-c', 'tty; echo tee-me; exit 4'],
        stdio: 'terminal',
      });
      const chunks: Buffer[] = [];
      proc.stdout.on('data', (c: Buffer) => chunks.push(c));
      expect(await proc.wait()).toEqual({ exitCode: 4, signal: null });
      const out = Buffer.concat(chunks).toString();
      expect(out).toMatch(/\/dev\/pts\/\d+/);
      expect(out).toContain('tee-me');
      expect(proc.stdin).toBeNull();
    });
  });

  it('is found again from another backend instance, and not after it stops', async () => {
    const { sandbox, spec } = await start({ owner: { uid: 2345, gid: 2345 } });
    const second = new DockerBackend({ docker: new Dockerode() });
    const found = await second.findSandbox(spec.instanceId);
    expect(found?.id).toBe(sandbox.id);
    expect((await found!.exec(['id', '-u'])).stdout).toBe('2345\n');
    await found!.stop();
    expect(await second.findSandbox(spec.instanceId)).toBeUndefined();
    await expect(sandbox.exec(['true'])).rejects.toMatchObject({ code: 'INSTANCE_NOT_RUNNING' });
    await sandbox.stop();
  });

  it('removes listed sandboxes idempotently', async () => {
    const { spec } = await start();
    const record = (await backend.listSandboxes()).find((s) => s.instanceId === spec.instanceId);
    expect(record).toMatchObject({ running: true });
    await backend.removeSandbox(record!.id);
    await backend.removeSandbox(record!.id);
    expect((await backend.listSandboxes()).some((s) => s.instanceId === spec.instanceId)).toBe(
      false,
    );
  });

  it('creates nothing when start is aborted', async () => {
    const before = (await backend.listSandboxes()).length;
    const controller = new AbortController();
    controller.abort(new Error('canceled before start'));
    const spec = { ...baseSpec(root), instanceId: 'dockertest-aborted', image };
    await expect(backend.start(spec, { signal: controller.signal })).rejects.toThrow(
      'canceled before start',
    );
    expect(await backend.listSandboxes()).toHaveLength(before);
  });

  it('reports a failed image build with its error line', async () => {
    const imagesDir = join(root, 'failing-images');
    await mkdir(join(imagesDir, 'sandbox', 'certs'), { recursive: true });
    await writeFile(
      join(imagesDir, 'sandbox', 'Dockerfile'),
      'FROM debian:bookworm-slim\nRUN echo about to fail; exit 3\n',
    );
    // The build passes the pinned agent versions as build arguments.
    await copyFile(
      join(findImagesDir(), 'sandbox', 'agent-versions.json'),
      join(imagesDir, 'sandbox', 'agent-versions.json'),
    );
    const lines: string[] = [];
    const failing = buildImage({
      docker,
      imagesDir,
      tag: 'corral-sandbox:failing-test',
      onProgress: (line) => lines.push(line),
    });
    await expect(failing).rejects.toMatchObject({
      code: 'IMAGE_MISSING',
      message: expect.stringContaining('returned a non-zero code: 3') as unknown,
    });
    expect(lines).toContain('about to fail');
  });

  it('turns limits the engine refuses into a usage error', async () => {
    await expect(start({ limits: { cpus: 512 } })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/Docker refused the sandbox of dockertest-.*CPU/) as unknown,
    });
  });

  it('says how to build a missing image, and never pulls it', async () => {
    const spec: SandboxSpec = {
      instanceId: 'dockertest-missing',
      workspaceDir: root,
      image: 'corral-sandbox:does-not-exist',
      env: {},
      limits: { memoryBytes: 256 * 1024 ** 2, cpus: 1, pids: 64 },
      labels: {},
    };
    await expect(backend.prepare(spec)).rejects.toMatchObject({
      code: 'IMAGE_MISSING',
      message: 'Image corral-sandbox:does-not-exist is not built.',
      // It names the corral-sandbox tags the engine has, when it has some.
      hint: expect.stringContaining('Run `corral image build`') as unknown,
    });
  });

  it('says where it looked when the engine does not answer', async () => {
    const socket = join(root, 'no-docker.sock');
    const down = new DockerBackend({ docker: new Dockerode({ socketPath: socket }) });
    expect(await down.probe()).toEqual({
      available: false,
      detail: `Docker is not reachable at ${socket}`,
      fix: 'Start Docker (sudo dockerd &), or run with --backend local',
    });
    await expect(down.prepare({ ...baseSpec(root), image: 'x' })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    expect((await backend.probe()).available).toBe(true);
  });
});

/** Resolves once `proc` has printed `line` on stdout. */
function printed(proc: SandboxProcess, line: string): Promise<void> {
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split('\n').includes(line)) resolve();
    });
    proc.stdout.on('end', () => reject(new Error(`ended without printing ${line}: ${out}`)));
  });
}

function baseSpec(dir: string): SandboxSpec {
  return {
    instanceId: 'dockertest-down',
    workspaceDir: dir,
    image: null,
    env: {},
    limits: { memoryBytes: 256 * 1024 ** 2, cpus: 1, pids: 64 },
    labels: {},
  };
}
