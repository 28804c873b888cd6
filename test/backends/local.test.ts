/**
 * The local backend against the shared contract, then what a hostile agent would try
 * that is particular to a host process fenced by bubblewrap: reading the state root,
 * /root or /tmp, changing its own fence, writing outside the workspace, reaching the
 * host through a unix socket or loopback, seeing host processes. Every assertion is about
 * what the agent observes or what lands on the host. Network traffic goes to loopback only.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  access,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { homedir, networkInterfaces, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackendContract } from '../../src/backends/backend.contract.js';
import type { SandboxProcess, SandboxSpec } from '../../src/backends/backend.js';
import { instanceLabels } from '../../src/backends/labels.js';
import { LocalBackend } from '../../src/backends/local/index.js';
import { isCorralError } from '../../src/lib/errors.js';
import { getInstancePaths } from '../../src/state/paths.js';

const run = promisify(execFile);
const homes: string[] = [];

async function makeHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'corral-local-home-'));
  homes.push(home);
  return home;
}

afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function git(dir: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-C', dir, '-c', 'user.name=test', '-c', 'user.email=test@localhost', ...args],
    { encoding: 'utf8' },
  );
}

/** Reads a process's stdout until `marker` appears (the process is then ready). */
function waitForOutput(proc: SandboxProcess, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    proc.stdout.on('data', (b: Buffer) => {
      seen += b.toString('utf8');
      if (seen.includes(marker)) resolve(seen);
    });
    proc.stdout.on('end', () => reject(new Error(`output ended before "${marker}": ${seen}`)));
  });
}

/** An IPv4 address of this machine's own (not loopback), where a fenced sandbox would reach it. */
function firstHostAddress(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  throw new Error('this machine has no IPv4 address but loopback');
}

describeBackendContract('local', async () => {
  const home = await makeHome();
  return {
    backend: new LocalBackend({ home }),
    image: null,
    fresh: () => new LocalBackend({ home }),
    hostAddress: firstHostAddress(),
  };
});

describe('local backend', () => {
  let home: string;
  let backend: LocalBackend;
  let counter = 0;

  /** A sandbox over a real git workspace laid out as corral lays it out. */
  async function start(): Promise<{ spec: SandboxSpec; workspace: string }> {
    const id = `local-${process.pid}-${++counter}`;
    const workspace = getInstancePaths(home, id).workspace;
    await mkdir(workspace, { recursive: true });
    await writeFile(join(workspace, 'hello.txt'), 'hello\n');
    git(workspace, 'init', '--quiet', '--initial-branch=main');
    git(workspace, 'add', '-A');
    git(workspace, 'commit', '--quiet', '-m', 'initial');
    const spec: SandboxSpec = {
      instanceId: id,
      workspaceDir: workspace,
      image: null,
      env: { CORRAL_TEST: 'yes' },
      limits: { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 },
      labels: instanceLabels(id, home),
    };
    await backend.prepare(spec);
    return { spec, workspace };
  }

  beforeAll(async () => {
    home = await realpath(await makeHome());
    backend = new LocalBackend({ home });
  });

  describe('escape attempts', () => {
    // Each attempt is made by a command that first shows it works where it may (its own
    // workspace, a visible system file, the tool present), and its target is first shown
    // to be there for the host: only then does its failure in the sandbox count.

    it("cannot read another instance's files or anything else in corral's state root", async () => {
      const { spec, workspace } = await start();
      const other = getInstancePaths(home, 'other-instance');
      await mkdir(other.workspace, { recursive: true });
      await writeFile(join(other.workspace, 'secret.txt'), 'other-workspace-secret\n');
      await writeFile(other.metadata, '{"secret":"other-metadata-secret"}\n');
      await writeFile(join(workspace, 'secret.txt'), 'own-workspace-secret\n');
      expect(await readFile(join(other.workspace, 'secret.txt'), 'utf8')).toContain('other');
      await using sandbox = await backend.start(spec);
      const r = await sandbox.exec([
        'sh',
        '-c',
        `cat ${join(workspace, 'secret.txt')} ${join(other.workspace, 'secret.txt')} ${other.metadata}; ls -a ${workspace} ${home} ${join(home, 'instances')}; true`,
      ]);
      // The same cat and ls work on its own workspace.
      expect(r.stdout).toContain('own-workspace-secret');
      expect(r.stdout).toContain('hello.txt');
      expect(r.stdout + r.stderr).not.toMatch(/other-(workspace|metadata)-secret/);
      expect(r.stdout).not.toContain('other-instance');
      expect(r.stderr).toMatch(/No such file or directory/);
    });

    it('cannot read files under /root or /tmp on the host', async () => {
      const { spec } = await start();
      const inTmp = await mkdtemp(join(tmpdir(), 'corral-local-secret-'));
      await writeFile(join(inTmp, 'secret.txt'), 'tmp-secret\n');
      const inRoot = join(homedir(), `.corral-local-test-${process.pid}`);
      await writeFile(inRoot, 'root-secret\n');
      try {
        const script = (tmpSecret: string) =>
          [
            `echo '## tmp'; cat ${tmpSecret}; ls -a ${tmpdir()}`,
            `echo '## root'; cat ${inRoot}; ls -a ${homedir()}`,
            `echo '## shadow'; cat /etc/shadow`,
            `echo '## passwd'; head -n 1 /etc/passwd`,
            'true',
          ].join('; ');
        // The probe itself finds both secrets where they are visible: on the host.
        const host = execFileSync('sh', ['-c', script(join(inTmp, 'secret.txt'))], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        expect(host).toContain('tmp-secret');
        expect(host).toContain('root-secret');
        expect(host).toContain(basename(inTmp));
        await using sandbox = await backend.start(spec);
        const r = await sandbox.exec(['sh', '-c', script(join(inTmp, 'secret.txt'))]);
        const section = (name: string) => r.stdout.split(`## ${name}\n`)[1]?.split('## ')[0];
        // The same script reads a system file the fence leaves visible.
        expect(section('passwd')).toMatch(/^root:x:0:0:/);
        expect(r.stdout).not.toContain('secret');
        expect(r.stdout).not.toContain('corral-local-secret-');
        expect(section('shadow')).toBe('');
      } finally {
        await rm(inTmp, { recursive: true, force: true });
        await rm(inRoot, { force: true });
      }
    });

    it('cannot read or change its own settings file', async () => {
      const { spec, workspace } = await start();
      const settings = join(home, 'run', 'local', spec.instanceId, 'fence', 'srt-settings.json');
      await using sandbox = await backend.start(spec);
      const before = await readFile(settings, 'utf8');
      expect(before).toContain('allowWrite');
      const attack = (file: string) =>
        `cat ${file}; echo '{"network":{"allowedDomains":["*"]}}' > ${file}; cat ${file}`;
      const r = await sandbox.exec([
        'sh',
        '-c',
        `${attack(join(workspace, 'own.json'))}; ${attack(settings)}; rm -f ${settings}; true`,
      ]);
      // The same write and read work on a file of its own.
      expect(await readFile(join(workspace, 'own.json'), 'utf8')).toContain('allowedDomains');
      expect(r.stdout).toContain('allowedDomains');
      expect(r.stdout).not.toContain('allowWrite');
      expect(await readFile(settings, 'utf8')).toBe(before);
    });

    it('cannot write outside its workspace', async () => {
      const { spec, workspace } = await start();
      const targets = [
        join(dirname(workspace), 'beside-workspace.txt'),
        join(home, 'in-state-root.txt'),
        join(homedir(), `.corral-local-pwned-${process.pid}`),
        join(tmpdir(), `corral-local-pwned-${process.pid}`),
        '/usr/corral-local-pwned',
        '/etc/corral-local-pwned',
      ];
      await using sandbox = await backend.start(spec);
      const r = await sandbox.exec([
        'sh',
        '-c',
        `${[join(workspace, 'inside.txt'), ...targets].map((t) => `echo pwned > ${t}`).join('; ')}; ln -s /etc/passwd ${join(workspace, 'link')}; echo pwned > link; true`,
      ]);
      expect(r.exitCode).toBe(0);
      // The same write lands inside the workspace, and the link was made.
      expect(await readFile(join(workspace, 'inside.txt'), 'utf8')).toBe('pwned\n');
      expect((await lstat(join(workspace, 'link'))).isSymbolicLink()).toBe(true);
      for (const target of targets) expect(await exists(target), target).toBe(false);
      expect(await readFile('/etc/passwd', 'utf8')).not.toContain('pwned');
    });

    it('has a private /tmp whose files vanish with the process', async () => {
      const { spec } = await start();
      const name = `corral-local-scratch-${process.pid}`;
      await using sandbox = await backend.start(spec);
      const first = await sandbox.exec([
        'sh',
        '-c',
        `echo scratch > /tmp/${name} && cat /tmp/${name} && mktemp`,
      ]);
      expect(first.exitCode).toBe(0);
      expect(first.stdout).toContain('scratch');
      const second = await sandbox.exec(['cat', `/tmp/${name}`]);
      expect(second.exitCode).not.toBe(0);
      expect(await exists(join('/tmp', name))).toBe(false);
    });

    it("cannot reach a server on the host's loopback, directly or through the proxy", async () => {
      let connections = 0;
      const server: Server = createServer((socket) => {
        connections++;
        // Read the request, or the client's close is never seen and close() waits for it.
        socket.resume();
        socket.end('HTTP/1.0 200 OK\r\n\r\nhello from the host\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      try {
        // The server answers whoever may reach it (asynchronously: it runs in this process).
        const host = await run('curl', ['-sS', '-m', '5', `http://127.0.0.1:${port}/`]);
        expect(host.stdout).toContain('hello from the host');
        expect(connections).toBe(1);
        connections = 0;
        const { spec } = await start();
        await using sandbox = await backend.start(spec);
        const r = await sandbox.exec([
          'sh',
          '-c',
          `curl --version >/dev/null && echo curl-present; curl -sS -m 5 http://127.0.0.1:${port}/; curl -sS -m 5 --proxy "$HTTP_PROXY" http://127.0.0.1:${port}/; curl -sS -m 5 http://localhost:${port}/; true`,
        ]);
        expect(r.stdout).toContain('curl-present');
        expect(r.stdout).not.toContain('hello from the host');
        expect(connections).toBe(0);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('cannot connect to a unix socket of the host, even one inside its workspace', async () => {
      const { spec, workspace } = await start();
      let connections = 0;
      const socketPath = join(workspace, 'host.sock');
      const server = createServer((socket) => {
        connections++;
        socket.end('hello from the host\n');
      });
      await new Promise<void>((resolve) => server.listen(socketPath, resolve));
      const connect = `require('net').connect(${JSON.stringify(socketPath)})
            .on('data', (d) => process.stdout.write(d))
            .on('error', (e) => console.log('error', e.code))`;
      try {
        // The same client reaches the socket from the host.
        const host = await run('node', ['-e', connect]);
        expect(host.stdout).toContain('hello from the host');
        connections = 0;
        await using sandbox = await backend.start(spec);
        const r = await sandbox.exec(['node', '-e', connect]);
        expect(r.stdout).not.toContain('hello from the host');
        expect(r.stdout).toMatch(/^error E[A-Z]+$/m);
        expect(connections).toBe(0);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it("sees none of the host's processes", async () => {
      const { spec } = await start();
      const list = "cat /proc/[0-9]*/cmdline | tr '\\0' ' '";
      // The same listing shows this test's own process on the host.
      const host = execFileSync('sh', ['-c', list], { encoding: 'utf8' });
      expect(host).toContain('vitest');
      await using sandbox = await backend.start(spec);
      const r = await sandbox.exec(['sh', '-c', list, 'corral-listing-marker']);
      // …and its own processes in the sandbox.
      expect(r.stdout).toContain('corral-listing-marker');
      expect(r.stdout).not.toContain('vitest');
      expect(r.stdout).not.toContain('srt-settings.json');
    });
  });

  describe('processes', () => {
    it('passes arguments through verbatim', async () => {
      const { spec } = await start();
      const args = [
        'two words',
        "it's",
        '"double"',
        '$HOME',
        '${PATH}',
        '$(id)',
        '`id`',
        'back\\slash',
        'new\nline',
        '*',
        '',
        '-n',
        '--',
        '; echo injected',
        'ünïcödé',
      ];
      await using sandbox = await backend.start(spec);
      const r = await sandbox.exec(['printf', '%s\\0', ...args]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout.split('\0').slice(0, -1)).toEqual(args);
    });

    it('runs a first argument that looks like an option or an assignment as the command', async () => {
      const { spec } = await start();
      await using sandbox = await backend.start(spec);
      for (const argv of [['--json', 'x'], ['-n'], ['FOO=bar', 'true']]) {
        const r = await sandbox.exec(argv);
        expect(r.exitCode, argv.join(' ')).toBe(127);
        expect(r.stderr).toContain(`${argv[0]}: command not found`);
      }
    });

    it('gives only the spec environment, a writable HOME kept out of the branch, and a clean git add', async () => {
      const { spec, workspace } = await start();
      await using sandbox = await backend.start(spec);
      const r = await sandbox.exec([
        'sh',
        '-c',
        [
          'echo "home=$HOME test=$CORRAL_TEST user=${USER:-none} tmp=$TMPDIR"',
          'echo state > "$HOME/.agent-state.json"',
          'echo changed > hello.txt',
          'git add -A',
          'git -c user.name=agent -c user.email=agent@localhost commit -qm work',
          'git show --name-only --format= HEAD',
        ].join(' && '),
      ]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe(
        `home=${join(workspace, '.git', 'corral-home')} test=yes user=none tmp=/tmp\nhello.txt\n`,
      );
      expect(
        await readFile(join(workspace, '.git', 'corral-home', '.agent-state.json'), 'utf8'),
      ).toBe('state\n');
      // Asked in the sandbox: the host runs no git in a workspace a command has touched.
      expect(await sandbox.exec(['git', 'status', '--porcelain'])).toMatchObject({
        exitCode: 0,
        stdout: '',
      });
      // What the agent leaves in its shell's rc file does not run before later commands.
      await writeFile(join(workspace, '.git', 'corral-home', '.bashrc'), 'echo from-bashrc >&2\n');
      const later = await sandbox.exec(['sh', '-c', 'echo later']);
      expect(later).toMatchObject({ exitCode: 0, stdout: 'later\n', stderr: '' });
    });

    it('feeds stdin to the process in pipe mode', async () => {
      const { spec } = await start();
      await using sandbox = await backend.start(spec);
      const proc = await sandbox.spawn({ argv: ['tr', 'a-z', 'A-Z'], stdio: 'pipe' });
      let out = '';
      proc.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
      proc.stdin?.end('shout\n');
      expect(await proc.wait()).toEqual({ exitCode: 0, signal: null });
      expect(out).toBe('SHOUT\n');
    });

    it('runs a terminal-mode process on the inherited stdio and reports its exit code', async () => {
      const { spec } = await start();
      await using sandbox = await backend.start(spec);
      const proc = await sandbox.spawn({ argv: ['sh', '-c', 'exit 7'], stdio: 'terminal' });
      expect(proc.stdin).toBeNull();
      expect(await proc.wait()).toEqual({ exitCode: 7, signal: null });
    });

    it('terminates gracefully: the command gets SIGTERM and may clean up', async () => {
      const { spec, workspace } = await start();
      await using sandbox = await backend.start(spec);
      const proc = await sandbox.spawn({
        argv: [
          'sh',
          '-c',
          'trap "echo cleaned > cleanup.txt; exit 0" TERM; echo ready; while :; do sleep 0.1; done',
        ],
        stdio: 'pipe',
      });
      await waitForOutput(proc, 'ready');
      // A grace period longer than the test may take: terminate() must return because the
      // command ended on SIGTERM, never because the grace ran out.
      await proc.terminate(3_600_000);
      expect(await proc.wait()).toEqual({ exitCode: 0, signal: null });
      expect(await readFile(join(workspace, 'cleanup.txt'), 'utf8')).toBe('cleaned\n');
    });

    it('reports a command ended by terminate() as killed by SIGTERM', async () => {
      const { spec } = await start();
      await using sandbox = await backend.start(spec);
      const proc = await sandbox.spawn({
        argv: ['sh', '-c', 'echo ready; exec sleep 300'],
        stdio: 'pipe',
      });
      await waitForOutput(proc, 'ready');
      await proc.terminate();
      expect(await proc.wait()).toEqual({ exitCode: null, signal: 'SIGTERM' });
    });

    it('kills a command that ignores SIGTERM once the grace period is over', async () => {
      const { spec } = await start();
      await using sandbox = await backend.start(spec);
      const proc = await sandbox.spawn({
        argv: ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'],
        stdio: 'pipe',
      });
      await waitForOutput(proc, 'ready');
      await proc.terminate(500);
      expect(await proc.wait()).toEqual({ exitCode: null, signal: 'SIGKILL' });
      const listed = await backend.listSandboxes();
      expect(listed.find((s) => s.instanceId === spec.instanceId)?.running).toBe(false);
    });
  });

  describe('records', () => {
    it('is found, listed as running and removed from another handle', async () => {
      const { spec } = await start();
      const sandbox = await backend.start(spec);
      const proc = await sandbox.spawn({ argv: ['sleep', '300'], stdio: 'pipe' });
      const elsewhere = new LocalBackend({ home });
      const found = await elsewhere.findSandbox(spec.instanceId);
      expect(found?.workdir).toBe(sandbox.workdir);
      const r = await found?.exec(['cat', 'hello.txt']);
      expect(r?.stdout).toBe('hello\n');
      const listed = await elsewhere.listSandboxes();
      expect(listed).toContainEqual({
        id: spec.instanceId,
        instanceId: spec.instanceId,
        home: resolve(home),
        running: true,
      });
      const runDir = join(home, 'run', 'local', spec.instanceId);
      const { srtTmpDir } = JSON.parse(await readFile(join(runDir, 'sandbox.json'), 'utf8')) as {
        srtTmpDir: string;
      };
      expect(await exists(srtTmpDir)).toBe(true);
      await elsewhere.removeSandbox(spec.instanceId);
      expect((await proc.wait()).exitCode).not.toBe(0);
      expect(await exists(runDir)).toBe(false);
      expect(await exists(srtTmpDir)).toBe(false);
      expect((await elsewhere.listSandboxes()).some((s) => s.id === spec.instanceId)).toBe(false);
      expect(await elsewhere.findSandbox(spec.instanceId)).toBeUndefined();
      await elsewhere.removeSandbox(spec.instanceId);
      await sandbox.stop();
    });

    it('refuses to run after stop()', async () => {
      const { spec } = await start();
      const sandbox = await backend.start(spec);
      await sandbox.stop();
      await expect(sandbox.exec(['true'])).rejects.toMatchObject({ code: 'INSTANCE_NOT_RUNNING' });
    });
  });

  describe('probe', () => {
    /** Runs `fn` with PATH holding only links to `commands` (and sh, which exec needs). */
    async function withPathOf<T>(commands: string[], fn: () => Promise<T>): Promise<T> {
      const bin = await mkdtemp(join(tmpdir(), 'corral-local-path-'));
      const saved = process.env.PATH;
      for (const c of ['sh', ...commands]) {
        const target = execFileSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).trim();
        await symlink(target, join(bin, c));
      }
      process.env.PATH = bin;
      try {
        return await fn();
      } finally {
        process.env.PATH = saved;
        await rm(bin, { recursive: true, force: true });
      }
    }

    it('names exactly what is missing and how to install it', async () => {
      const probe = await withPathOf(['socat', 'rg'], () => new LocalBackend({ home }).probe());
      expect(probe).toEqual({
        available: false,
        detail: 'bubblewrap (bwrap) is not installed',
        fix: 'sudo apt-get install -y bubblewrap socat ripgrep',
      });
      const none = await withPathOf([], () => new LocalBackend({ home }).probe());
      expect(none.detail).toBe('bubblewrap (bwrap), socat and ripgrep (rg) are not installed');
    });

    it('makes prepare() fail with BACKEND_UNAVAILABLE and the fix', async () => {
      const { spec } = await start();
      const error: unknown = await withPathOf(['bwrap', 'rg'], () =>
        new LocalBackend({ home }).prepare(spec).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect(isCorralError(error) && error.code).toBe('BACKEND_UNAVAILABLE');
      expect(isCorralError(error) && error.line).toContain('socat is not installed');
      expect(isCorralError(error) && error.hint).toContain('apt-get install');
    });

    it('reports what it found and how long a sandboxed run takes', async () => {
      const probe = await backend.probe();
      expect(probe.available, probe.detail).toBe(true);
      expect(probe.detail).toMatch(/bubblewrap .*sandbox-runtime \d/);
      const { spec } = await start();
      const t0 = performance.now();
      await using sandbox = await backend.start(spec);
      const t1 = performance.now();
      const r = await sandbox.exec(['true']);
      const t2 = performance.now();
      expect(r.exitCode).toBe(0);
      const ms = (a: number, b: number) => Math.round(b - a);
      console.info(`local backend: start ${ms(t0, t1)} ms, exec(['true']) ${ms(t1, t2)} ms`);
    });
  });
});

describe('local backend: open network for an agent', () => {
  it('reaches only the allowed host, through the proxy, loopback included', async () => {
    let hits = 0;
    const server = createHttpServer((_req, res) => {
      hits++;
      res.end('model api here\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const home = await mkdtemp(join(tmpdir(), 'corral-local-net-'));
    const workspace = join(home, 'ws');
    await mkdir(workspace);
    const backend = new LocalBackend({ home });
    const sandbox = await backend.start({
      instanceId: 'net-open',
      workspaceDir: workspace,
      image: null,
      env: {},
      limits: { memoryBytes: 1024 ** 3, cpus: 1, pids: 256 },
      labels: {},
      network: 'open',
      allowHosts: [`127.0.0.1:${port}`],
    });
    try {
      const r = await sandbox.exec([
        'sh',
        '-c',
        `curl -sS -m 5 http://127.0.0.1:${port}/; curl -sS -m 5 http://127.0.0.2:${port}/ || true`,
      ]);
      expect(r.stdout).toContain('model api here');
      expect(r.stdout).toContain('Connection blocked by network allowlist');
      expect(hits).toBe(1);
    } finally {
      await sandbox.stop();
      await new Promise((r) => server.close(r));
    }
  });
});
