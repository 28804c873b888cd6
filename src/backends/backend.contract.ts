/**
 * The conformance suite every backend passes. Each backend's system test calls
 * `describeBackendContract` with a factory; the suite attempts what a hostile agent would
 * (read and write outside its workspace, read another sandbox's workspace, reach the
 * host's network) and checks the plain behaviour (exit codes, streams, termination,
 * idempotent stop, labels). Every attempt first proves it could succeed: the same probe,
 * with the same tool, works where it should (its own workspace, a server inside the
 * sandbox, the host itself), so a missing tool or a typo never passes for a fence.
 */
import { access, chmod, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../lib/exec.js';
import type { Backend, Sandbox, SandboxProcess, SandboxSpec } from './backend.js';
import { instanceLabels } from './labels.js';

export interface ContractContext {
  backend: Backend;
  image: string | null;
  /** A new backend object over the same home and engine: what an engine restarted makes. */
  fresh(): Backend;
  /**
   * An address of this machine that its sandboxes would reach if let through (docker: the
   * bridge's; local: any of the host's own), where the egress test's servers listen.
   */
  hostAddress: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export function describeBackendContract(name: string, setup: () => Promise<ContractContext>): void {
  describe(`backend contract: ${name}`, () => {
    let ctx: ContractContext;
    let root: string;
    const started: Sandbox[] = [];
    let counter = 0;

    /** A spec over a new empty workspace. */
    async function makeSpec(extra: Partial<SandboxSpec> = {}): Promise<SandboxSpec> {
      const id = `contract-${process.pid}-${++counter}`;
      const workspace = join(root, id, 'workspace');
      await mkdir(workspace, { recursive: true });
      return {
        instanceId: id,
        workspaceDir: workspace,
        image: ctx.image,
        env: { CORRAL_CONTRACT: '1' },
        limits: { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 },
        labels: instanceLabels(id, root),
        ...extra,
      };
    }

    async function start(
      extra: Partial<SandboxSpec> = {},
    ): Promise<{ sandbox: Sandbox; workspace: string; spec: SandboxSpec }> {
      const spec = await makeSpec(extra);
      const workspace = spec.workspaceDir;
      await writeFile(join(workspace, 'hello.txt'), 'hello\n');
      await ctx.backend.prepare(spec);
      const sandbox = await ctx.backend.start(spec);
      started.push(sandbox);
      return { sandbox, workspace, spec };
    }

    beforeAll(async () => {
      ctx = await setup();
      root = await mkdtemp(join(tmpdir(), `corral-contract-${name}-`));
      // Traversable by every uid: what keeps a sandbox out of another's workspace must be
      // the fence, never a directory's mode.
      await chmod(root, 0o755);
    });

    afterAll(async () => {
      for (const s of started) await s.stop();
      await rm(root, { recursive: true, force: true });
    });

    it('is available', async () => {
      const probe = await ctx.backend.probe();
      expect(probe.available, probe.detail).toBe(true);
    });

    it('runs a command in the workspace and reports its exit code and streams', async () => {
      const { sandbox } = await start();
      const r = await sandbox.exec([
        'sh',
        '-c',
        'cat hello.txt; echo "env=$CORRAL_CONTRACT"; echo oops >&2; exit 3',
      ]);
      expect(r.exitCode).toBe(3);
      expect(r.stdout).toBe('hello\nenv=1\n');
      expect(r.stderr).toContain('oops');
    });

    it('writes made in the sandbox land in the host workspace', async () => {
      const { sandbox, workspace } = await start();
      const r = await sandbox.exec(['sh', '-c', 'echo made-inside > inside.txt']);
      expect(r.exitCode).toBe(0);
      expect(await readFile(join(workspace, 'inside.txt'), 'utf8')).toBe('made-inside\n');
    });

    it('reports a missing command as exit 127', async () => {
      const { sandbox } = await start();
      const r = await sandbox.exec(['no-such-command-corral']);
      expect(r.exitCode).toBe(127);
    });

    it('cannot read or write host files outside its workspace', async () => {
      const { sandbox, workspace } = await start();
      const secretDir = await mkdtemp(join(tmpdir(), 'corral-secret-'));
      const secret = join(secretDir, 'secret.txt');
      await writeFile(secret, 'top-secret\n');
      // Open to every uid, so only the fence (not permissions) can keep the sandbox out.
      await chmod(secretDir, 0o777);
      await chmod(secret, 0o644);
      const planted = join(secretDir, 'planted.txt');
      // read "$1", write "$2": inside the workspace first (must work), then outside.
      const probe = 'cat "$1"; echo pwned > "$2"; true';
      const inside = await sandbox.exec([
        'sh',
        '-c',
        probe,
        'sh',
        join(sandbox.workdir, 'hello.txt'),
        join(sandbox.workdir, 'planted.txt'),
      ]);
      expect(inside.stdout).toBe('hello\n');
      expect(await readFile(join(workspace, 'planted.txt'), 'utf8')).toBe('pwned\n');
      const outside = await sandbox.exec(['sh', '-c', probe, 'sh', secret, planted]);
      const root = await sandbox.exec([
        'sh',
        '-c',
        probe,
        'sh',
        '/etc/hostname',
        '/etc/corral-pwned',
      ]);
      expect(outside.stdout).not.toContain('top-secret');
      expect(await exists(planted)).toBe(false);
      expect(root.stderr).not.toBe('');
      expect(await exists('/etc/corral-pwned')).toBe(false);
      await rm(secretDir, { recursive: true, force: true });
    });

    it("cannot see another sandbox's workspace", async () => {
      const a = await start();
      const b = await start();
      await writeFile(join(b.workspace, 'b-secret.txt'), 'b-secret\n');
      const probe = 'cat "$1"; echo x > "$2"; true';
      // The same probe, run by b on its own workspace, reads and writes it.
      const own = await b.sandbox.exec([
        'sh',
        '-c',
        probe,
        'sh',
        join(b.sandbox.workdir, 'b-secret.txt'),
        join(b.sandbox.workdir, 'from-b.txt'),
      ]);
      expect(own.stdout).toBe('b-secret\n');
      expect(await exists(join(b.workspace, 'from-b.txt'))).toBe(true);
      const r = await a.sandbox.exec([
        'sh',
        '-c',
        probe,
        'sh',
        join(b.workspace, 'b-secret.txt'),
        join(b.workspace, 'from-a.txt'),
      ]);
      expect(r.stdout).not.toContain('b-secret');
      expect(await exists(join(b.workspace, 'from-a.txt'))).toBe(false);
    });

    describe('network', () => {
      let server: Server;
      let port = 0;
      let connections = 0;
      beforeAll(async () => {
        server = createServer((socket) => {
          connections++;
          socket.end('hello from the host\n');
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const address = server.address();
        port = typeof address === 'object' && address ? address.port : 0;
      });
      afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

      /** Connects to 127.0.0.1:$1 with bash's /dev/tcp and prints what the server says. */
      const dial = '(exec 3<>/dev/tcp/127.0.0.1/$1 && cat <&3) 2>&1; echo "rc=$?"';

      it("cannot reach the host's loopback services", async () => {
        // The probe reaches the server from the host itself.
        const control = await exec('bash', ['-c', dial, 'bash', String(port)]);
        expect(control.stdout).toContain('hello from the host');
        expect(connections).toBe(1);
        // And, in the sandbox, a server on the sandbox's own loopback (a free port there).
        const { sandbox } = await start();
        const listen =
          'perl -MIO::Socket::INET -e \'$s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 47011, Listen => 1, ReuseAddr => 1) or die "listen: $!"; $c = $s->accept; print $c "hello from inside\\n"; close $c\' &';
        const inside = await sandbox.exec([
          'bash',
          '-c',
          `${listen}\nfor i in $(seq 1 100); do out=$(bash -c '${dial}' bash 47011); case "$out" in *inside*) echo "$out"; exit 0;; esac; sleep 0.1; done; echo "$out"; exit 1`,
        ]);
        expect(inside.stdout).toContain('hello from inside');

        const r = await sandbox.exec(['bash', '-c', dial, 'bash', String(port)]);
        expect(r.stdout).not.toContain('hello from the host');
        expect(r.stdout).toMatch(/rc=1$/m);
        expect(connections).toBe(1);
      });
    });

    describe('egress', () => {
      const servers: Server[] = [];
      // A proxy may keep its connection open: closed by hand, or close() waits for it.
      const sockets = new Set<Socket>();
      const seen = { allowed: 0, other: 0 };
      const ports = { allowed: 0, other: 0 };
      beforeAll(async () => {
        for (const which of ['allowed', 'other'] as const) {
          const server = createServer((socket) => {
            sockets.add(socket);
            seen[which]++;
            socket.end(`HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nhello ${which.slice(0, 5)}`);
          });
          await new Promise<void>((resolve) => server.listen(0, ctx.hostAddress, resolve));
          const address = server.address();
          ports[which] = typeof address === 'object' && address ? address.port : 0;
          servers.push(server);
        }
      });
      afterAll(async () => {
        for (const socket of sockets) socket.destroy();
        for (const server of servers) await new Promise<void>((r) => server.close(() => r()));
      });

      it('reaches a host its policy allows and not another, and never holds what fences it', async () => {
        const allowed = `${ctx.hostAddress}:${ports.allowed}`;
        const stateDir = join(root, `egress-${++counter}`);
        const policyDir = join(stateDir, 'policy');
        await mkdir(policyDir, { recursive: true });
        await writeFile(join(policyDir, 'egress.json'), JSON.stringify({ allow: [allowed] }));
        const { sandbox } = await start({
          network: 'open',
          allowHosts: [allowed],
          fence: {
            stateDir,
            policyDir,
            models: [],
            secrets: { CONTRACT_KEY: 'sk-contract-secret' },
          },
        });
        const curl = (port: number) =>
          sandbox.exec(['curl', '-sS', '--max-time', '10', `http://${ctx.hostAddress}:${port}/`]);
        const through = await curl(ports.allowed);
        expect(through.stdout, through.stderr).toBe('hello allow');
        expect(seen.allowed).toBeGreaterThan(0);
        const refused = await curl(ports.other);
        expect(refused.stdout).not.toContain('hello other');
        expect(seen.other).toBe(0);
        // What the fence holds for the sandbox never enters it: not in its environment, nor
        // in that of any process it can see. (The same probe finds a variable it was given.)
        const env = await sandbox.exec([
          'sh',
          '-c',
          'env; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"',
        ]);
        expect(env.stdout).toContain('CORRAL_CONTRACT=1');
        expect(env.stdout).not.toContain('sk-contract-secret');
      });
    });

    /** Spawns `script` and resolves once it has printed `started` (its traps are set). */
    async function spawnStarted(sandbox: Sandbox, script: string): Promise<SandboxProcess> {
      const proc = await sandbox.spawn({ argv: ['sh', '-c', script], stdio: 'pipe' });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('started\n')) resolve();
        });
        proc.stdout.on('end', () => reject(new Error(`ended before it started: ${out}`)));
      });
      return proc;
    }

    it('terminates a long-running process and stops idempotently', async () => {
      const { sandbox } = await start();
      const proc = await spawnStarted(sandbox, 'echo started; exec sleep 300');
      await proc.terminate(2000);
      const exit = await proc.wait();
      expect(exit.signal === 'SIGTERM' || exit.exitCode === 143, JSON.stringify(exit)).toBe(true);
      await sandbox.stop();
      await sandbox.stop();
    });

    it('kills a process that ignores SIGTERM once the grace is over', async () => {
      const { sandbox } = await start();
      const proc = await spawnStarted(
        sandbox,
        'trap "" TERM; echo started; while :; do sleep 1; done',
      );
      await proc.terminate(500);
      const exit = await proc.wait();
      expect(exit.signal === 'SIGKILL' || exit.exitCode === 137, JSON.stringify(exit)).toBe(true);
    });

    it('is found again with its detached command by a backend made afresh (an engine restarted)', async () => {
      const { sandbox, spec } = await start();
      const launched = await sandbox.launch({
        argv: ['sh', '-c', 'echo up > launched.txt; exec sleep 300'],
        tag: 'contract',
      });
      const ref = JSON.parse(JSON.stringify(launched.ref)) as typeof launched.ref;
      const again = ctx.fresh();
      // Before the command has written its file, and after: the file proves it runs.
      for (let i = 0; i < 100 && !(await exists(join(spec.workspaceDir, 'launched.txt'))); i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      const found = await again.findSandbox(spec.instanceId);
      expect(found, 'findSandbox after a restart').toBeDefined();
      expect((await found!.exec(['cat', 'launched.txt'])).stdout).toBe('up\n');
      const adopted = found!.reattach(ref);
      expect(await adopted.isRunning()).toBe(true);
      await adopted.signal('KILL');
      let running = true;
      for (let i = 0; i < 100 && running; i++) {
        running = await adopted.isRunning();
        if (running) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(running, 'the adopted command ends when signalled').toBe(false);
      expect(await again.findSandbox('contract-never-made')).toBeUndefined();
    });

    it('starts while its workspace is written and runs over the written files as their owner', async () => {
      const spec = await makeSpec();
      await ctx.backend.prepare(spec);
      let written!: () => void;
      const workspaceReady = new Promise<void>((resolve) => (written = resolve));
      const starting = ctx.backend.start(spec, { workspaceReady });
      // Written by this process (root in CI) while the sandbox starts, as a checkout is.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await mkdir(join(spec.workspaceDir, 'src'));
      await writeFile(join(spec.workspaceDir, 'src', 'late.txt'), 'late\n');
      written();
      const sandbox = await starting;
      started.push(sandbox);
      // Its user can change what was written before it started (a root-owned file would
      // refuse the append, and the new file in a root-owned directory).
      const r = await sandbox.exec([
        'sh',
        '-c',
        'cat src/late.txt && echo more >> src/late.txt && echo new > src/new.txt',
      ]);
      expect(r.stdout).toBe('late\n');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await readFile(join(spec.workspaceDir, 'src', 'late.txt'), 'utf8')).toBe(
        'late\nmore\n',
      );
    });

    it('ends the sandbox and throws when its workspace could not be written', async () => {
      const spec = await makeSpec();
      await ctx.backend.prepare(spec);
      const workspaceReady = new Promise<void>((_, reject) =>
        setTimeout(() => reject(new Error('the checkout failed')), 200),
      );
      await expect(ctx.backend.start(spec, { workspaceReady })).rejects.toThrow(
        'the checkout failed',
      );
      expect(await ctx.backend.findSandbox(spec.instanceId)).toBeUndefined();
      const listed = await ctx.backend.listSandboxes();
      expect(listed.filter((s) => s.instanceId === spec.instanceId && s.running)).toEqual([]);
    });

    it('lists its sandboxes by label while they exist', async () => {
      const { sandbox, spec } = await start();
      const listed = await ctx.backend.listSandboxes();
      expect(listed.some((s) => s.instanceId === spec.instanceId)).toBe(true);
      await sandbox.stop();
      const after = await ctx.backend.listSandboxes();
      expect(after.some((s) => s.instanceId === spec.instanceId && s.running)).toBe(false);
    });
  });
}
