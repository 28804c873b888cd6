/**
 * The conformance suite every backend passes. Each backend's system test calls
 * `describeBackendContract` with a factory; the suite attempts what a hostile agent would
 * (read and write outside its workspace, read another sandbox's workspace, reach the
 * host's network) and checks the plain behaviour (exit codes, streams, termination,
 * idempotent stop, labels).
 */
import { mkdtemp, mkdir, readFile, rm, writeFile, access } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Sandbox, SandboxSpec } from './backend.js';
import { instanceLabels } from './labels.js';

export interface ContractContext {
  backend: Backend;
  image: string | null;
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

    async function start(): Promise<{ sandbox: Sandbox; workspace: string; spec: SandboxSpec }> {
      const id = `contract-${process.pid}-${++counter}`;
      const workspace = join(root, id, 'workspace');
      await mkdir(workspace, { recursive: true });
      await writeFile(join(workspace, 'hello.txt'), 'hello\n');
      const spec: SandboxSpec = {
        instanceId: id,
        workspaceDir: workspace,
        image: ctx.image,
        env: { CORRAL_CONTRACT: '1' },
        limits: { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 },
        labels: instanceLabels(id, root),
      };
      await ctx.backend.prepare(spec);
      const sandbox = await ctx.backend.start(spec);
      started.push(sandbox);
      return { sandbox, workspace, spec };
    }

    beforeAll(async () => {
      ctx = await setup();
      root = await mkdtemp(join(tmpdir(), `corral-contract-${name}-`));
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
      const { sandbox } = await start();
      const secretDir = await mkdtemp(join(tmpdir(), 'corral-secret-'));
      const secret = join(secretDir, 'secret.txt');
      await writeFile(secret, 'top-secret\n');
      const planted = join(secretDir, 'planted.txt');
      const r = await sandbox.exec([
        'sh',
        '-c',
        `cat ${secret}; echo pwned > ${planted}; echo pwned > /etc/corral-pwned; cat /root/.ssh/id_rsa 2>/dev/null; true`,
      ]);
      expect(r.stdout).not.toContain('top-secret');
      expect(await exists(planted)).toBe(false);
      expect(await exists('/etc/corral-pwned')).toBe(false);
      await rm(secretDir, { recursive: true, force: true });
    });

    it("cannot see another sandbox's workspace", async () => {
      const a = await start();
      const b = await start();
      await writeFile(join(b.workspace, 'b-secret.txt'), 'b-secret\n');
      const r = await a.sandbox.exec([
        'sh',
        '-c',
        `cat ${join(b.workspace, 'b-secret.txt')}; echo x > ${join(b.workspace, 'from-a.txt')}; true`,
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

      it("cannot reach the host's loopback services", async () => {
        const { sandbox } = await start();
        const r = await sandbox.exec([
          'bash',
          '-c',
          `(exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3) 2>&1; echo "rc=$?"`,
        ]);
        expect(r.stdout).not.toContain('hello from the host');
        expect(connections).toBe(0);
      });
    });

    it('terminates a long-running process and stops idempotently', async () => {
      const { sandbox } = await start();
      const proc = await sandbox.spawn({ argv: ['sleep', '300'], stdio: 'pipe' });
      const t0 = Date.now();
      await proc.terminate(2000);
      const exit = await proc.wait();
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(exit.exitCode === 0).toBe(false);
      await sandbox.stop();
      await sandbox.stop();
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
