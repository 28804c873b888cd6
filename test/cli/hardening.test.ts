/**
 * The docker sandbox's hardening, as a command inside observes it: by default it is not
 * root, has no capabilities, no-new-privileges, a read-only root with /tmp and HOME on a
 * tmpfs, process and memory limits, no engine socket and no host path but the workspace.
 * Each `--unsafe-…` flag of `corral run` changes exactly what it names, says so on stderr,
 * is recorded (ls, policy, resume), and a bad value is refused before anything is made.
 * Both docker paths are checked: the lone container (through the built CLI) and the
 * Compose project (a plan rendered and brought up the way fenced-start does).
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ComposeProject,
  detectComposeCli,
  renderComposeSpec,
  writeComposeFile,
  type InstancePlan,
} from '../../src/backends/docker/compose/index.js';
import { findImagesDir, getDefaultImageTag } from '../../src/backends/docker/index.js';
import { newDockerode } from '../../src/backends/docker/load-dockerode.js';
import { resolveRelaxations } from '../../src/backends/docker/resolve-relaxations.js';
import { ensureWorkspaceOwner } from '../../src/backends/docker/workspace-owner.js';
import { instanceLabels } from '../../src/backends/labels.js';
import type { HostMount, Relaxations } from '../../src/state/index.js';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';

/** Prints one `key=value` line per thing a hostile command would probe. */
const probe = [
  'echo "uid=$(id -u)"',
  'echo "groups=$(id -G)"',
  "sed -n 's/^\\(CapEff\\|CapBnd\\|NoNewPrivs\\):[[:space:]]*/\\1=/p' /proc/self/status",
  '(echo x > /var/tmp/corral-probe) 2>/dev/null && echo rootfs=writable || echo rootfs=read-only',
  '(echo x > /corral-probe) 2>/dev/null && echo slash=writable || echo slash=refused',
  'echo "tmp=$(stat -f -c %T /tmp)"',
  'mkdir -p "$HOME" && echo "home=$HOME $(stat -f -c %T "$HOME")"',
  'echo "pids=$(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max)"',
  'echo "memory=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"',
  '[ -S /var/run/docker.sock ] && echo socket=present || echo socket=absent',
  'perl -MIO::Socket::UNIX -e \'IO::Socket::UNIX->new(Peer => "/var/run/docker.sock") or exit 1\' 2>/dev/null && echo engine=reachable || echo engine=unreachable',
  'echo "mounts=$(awk \'{ print $5 }\' /proc/self/mountinfo | grep -Ev "^/($|(proc|sys|dev|tmp|etc)($|/)|usr/sbin/docker-init$)" | sort | tr "\\n" " ")"',
].join('\n');

type Observed = Record<string, string>;

function parseProbe(stdout: string): Observed {
  const out: Observed = {};
  for (const line of stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

const noCaps = '0000000000000000';
const netRaw = '0000000000002000';
const limits = ['--memory', '256m', '--pids', '200'];

/** What a hardened sandbox shows; each relaxation changes only some of it. */
const hardened: Observed = {
  CapEff: noCaps,
  CapBnd: noCaps,
  NoNewPrivs: '1',
  rootfs: 'read-only',
  slash: 'refused',
  tmp: 'tmpfs',
  home: '/tmp/home tmpfs',
  pids: '200',
  memory: String(256 * 1024 ** 2),
  socket: 'absent',
  engine: 'unreachable',
  mounts: '/workspace',
};

describe('corral run --backend docker: hardening and its --unsafe-… flags', () => {
  let home: string;
  let repo: TestRepo;
  let hostDir: string;

  beforeAll(async () => {
    home = await makeHome();
    repo = await makeRepo({ 'README.md': '# hardening\n' });
    // Readable and writable by whoever the sandbox runs as.
    hostDir = await mkdtemp(join(tmpdir(), 'corral-host-path-'));
    await chmod(hostDir, 0o777);
    await writeFile(join(hostDir, 'from-host.txt'), 'host file\n', { mode: 0o644 });
  });

  afterAll(async () => {
    await rm(hostDir, { recursive: true, force: true });
  });

  async function observe(flags: string[]): Promise<{ seen: Observed; warnings: string[] }> {
    const r = await corral(
      home,
      ['run', '--backend', 'docker', ...limits, ...flags, '--', 'sh', '-c', probe],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('corral: warning:'));
    return { seen: parseProbe(r.stdout), warnings };
  }

  it('by default: not root, no capabilities, no-new-privileges, read-only root, limits', async () => {
    const { seen, warnings } = await observe([]);
    expect(seen.uid).not.toBe('0');
    expect(seen).toMatchObject(hardened);
    expect(warnings).toEqual([]);
  });

  it.each<[string, string[], Observed, RegExp]>([
    ['--unsafe-root', [], { uid: '0' }, /--unsafe-root: commands run as root \(uid 0\)/],
    [
      '--unsafe-cap-add',
      ['net_raw'],
      { CapBnd: netRaw },
      /--unsafe-cap-add NET_RAW: NET_RAW back in the bounding set \(gained by no process while no-new-privileges is on\)/,
    ],
    ['--unsafe-new-privileges', [], { NoNewPrivs: '0' }, /no-new-privileges off/],
    ['--unsafe-writable-root', [], { rootfs: 'writable' }, /write its image's root filesystem/],
    ['--unsafe-no-limits', [], { pids: 'max' }, /no memory, CPU or process-count limit/],
    [
      '--unsafe-docker-socket',
      [],
      { socket: 'present', engine: 'reachable', mounts: '/run/docker.sock /workspace' },
      /engine's socket is mounted in the sandbox, which gives control of the host/,
    ],
  ])('%s changes that, and only that', async (flag, values, changed, warning) => {
    const { seen, warnings } = await observe([flag, ...values]);
    const expected = { ...hardened, ...changed };
    if (flag === '--unsafe-no-limits') {
      delete expected.memory;
      expect(Number(seen.memory === 'max' ? Infinity : seen.memory)).toBeGreaterThan(2 ** 40);
    }
    expect(seen).toMatchObject(expected);
    if (flag !== '--unsafe-root') expect(seen.uid).not.toBe('0');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(warning);
  });

  it('a capability given back is gained by root only without no-new-privileges', async () => {
    const kept = await observe(['--unsafe-root', '--unsafe-cap-add', 'NET_RAW']);
    expect(kept.seen).toMatchObject({ uid: '0', CapEff: noCaps, CapBnd: netRaw, NoNewPrivs: '1' });
    const gained = await observe([
      '--unsafe-root',
      '--unsafe-cap-add',
      'NET_RAW',
      '--unsafe-new-privileges',
    ]);
    expect(gained.seen).toMatchObject({ uid: '0', CapEff: netRaw, NoNewPrivs: '0' });
    expect(gained.warnings).toHaveLength(3);
    expect(gained.warnings[1]).toMatch(/NET_RAW can be gained \(by root, setuid/);
  });

  it('--unsafe-mount shows the host path, read-only or writable as asked', async () => {
    const ro = `${hostDir}:/host-ro:ro`;
    const rw = `${hostDir}:/host-rw`;
    const r = await corral(
      home,
      [
        'run',
        '--backend',
        'docker',
        '--unsafe-mount',
        ro,
        '--unsafe-mount',
        rw,
        '--',
        'sh',
        '-c',
        'cat /host-ro/from-host.txt; (echo x > /host-ro/no) 2>/dev/null || echo ro-refused; echo made > /host-rw/made.txt',
      ],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('host file\nro-refused\n');
    expect(await readFile(join(hostDir, 'made.txt'), 'utf8')).toBe('made\n');
    expect(r.stderr).toContain(
      `corral: warning: --unsafe-mount ${ro}: the sandbox sees host path ${hostDir} at /host-ro (read-only)`,
    );
    expect(r.stderr).toContain(`at /host-rw (writable)`);
  });

  it('records the flags: ls and policy show them, resume applies and warns again', async () => {
    const run = await corral(
      home,
      ['run', '--backend', 'docker', '--keep', '--unsafe-root', '--json', '--', 'true'],
      { cwd: repo.dir },
    );
    expect(run.code, run.stderr).toBe(0);
    const { id } = run.json<{ id: string }>();
    const ls = await corral(home, ['ls', '--json']);
    const listed = ls.json<{ instances: { id: string; relax: unknown; mounts: unknown }[] }>();
    expect(listed.instances.find((i) => i.id === id)).toMatchObject({
      relax: { rootUser: true },
      mounts: [],
    });
    const policy = await corral(home, ['policy', id, '--json']);
    expect(policy.json()).toMatchObject({ relax: { rootUser: true }, mounts: [] });
    const text = await corral(home, ['policy', id]);
    expect(text.stdout).toContain('hardening relaxed: --unsafe-root: commands run as root');

    const resumed = await corral(home, ['resume', id, '--', 'id', '-u']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toBe('0\n');
    expect(resumed.stderr).toContain('corral: warning: --unsafe-root:');
  });

  describe('refuses a bad value with one line, exit 2, nothing made', () => {
    it.each<[string, string[], RegExp]>([
      ['an unknown capability', ['--unsafe-cap-add', 'NET_FOO'], /not a Linux capability/],
      [
        'a relative host path',
        ['--unsafe-mount', 'rel/dir:/x'],
        /host path rel\/dir is not absolute/,
      ],
      ['a mount over /workspace', ['--unsafe-mount', '/etc:/workspace/etc'], /is the workspace/],
      [
        'a host path that does not exist',
        ['--unsafe-mount', '/nonexistent/corral:/x'],
        /host path \/nonexistent\/corral does not exist/,
      ],
      [
        'a docker-only flag on the local backend',
        ['--backend', 'local', '--unsafe-root', '--unsafe-writable-root'],
        /--unsafe-root, --unsafe-writable-root: docker-only/,
      ],
    ])('%s', async (_, flags, message) => {
      const fresh = await makeHome();
      const r = await corral(fresh, ['run', '--backend', 'docker', ...flags, '--', 'true'], {
        cwd: repo.dir,
      });
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      const instances = await readdir(join(fresh, 'instances')).catch(() => []);
      expect(instances).toEqual([]);
    });
  });
});

describe('Compose project (the fenced path): the same hardening from the same place', () => {
  const docker = newDockerode();
  const image = getDefaultImageTag(findImagesDir());
  let root: string;
  const projects: ComposeProject[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'corral-hardening-compose-'));
  });

  afterAll(async () => {
    for (const p of projects) await p.down().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  async function observe(name: string, relax: Relaxations, mounts: HostMount[] = []) {
    const dir = join(root, name);
    const workspaceDir = join(dir, 'workspace');
    await mkdir(workspaceDir, { recursive: true });
    const id = `hardening-${name}-${process.pid}`;
    const plan: InstancePlan = {
      instanceId: id,
      image,
      workspaceDir,
      user: await ensureWorkspaceOwner(workspaceDir, { keepRoot: relax.rootUser }),
      env: {},
      limits: { memoryBytes: 256 * 1024 ** 2, cpus: 1, pids: 200 },
      labels: instanceLabels(id, root),
      ...(await resolveRelaxations({ relax, mounts }, docker)),
    };
    await writeComposeFile(dir, renderComposeSpec(plan));
    const cli = await detectComposeCli({});
    const project = new ComposeProject({ cli, docker, name: id, stateDir: dir, secrets: {} });
    projects.push(project);
    await project.up();
    const r = await (await project.getAgentSandbox()).exec(['sh', '-c', probe]);
    expect(r.exitCode, r.stderr).toBe(0);
    return parseProbe(r.stdout);
  }

  it('is hardened by default', async () => {
    const seen = await observe('default', {});
    expect(seen.uid).not.toBe('0');
    expect(seen).toMatchObject(hardened);
  });

  it('with every relaxation, each item is switched off', async () => {
    const hostDir = join(root, 'host');
    await mkdir(hostDir);
    const seen = await observe(
      'relaxed',
      {
        rootUser: true,
        capAdd: ['NET_RAW'],
        newPrivileges: true,
        writableRoot: true,
        noLimits: true,
        hostMounts: true,
        dockerSocket: true,
      },
      [{ source: hostDir, target: '/host', readOnly: true }],
    );
    expect(seen).toMatchObject({
      uid: '0',
      CapEff: netRaw,
      CapBnd: netRaw,
      NoNewPrivs: '0',
      rootfs: 'writable',
      tmp: 'tmpfs',
      home: '/tmp/home tmpfs',
      pids: 'max',
      socket: 'present',
      engine: 'reachable',
      // /var/run is a link to /run in the image.
      mounts: '/host /run/docker.sock /workspace',
    });
  });
});
