/**
 * The gateway sidecar holds the real keys, so the agent's `--unsafe-…` flags must never
 * weaken it. Two fenced instances run at once through the built CLI, one hardened and one
 * with every flag; while each runs, the same probe looks at the agent (its own command,
 * the positive control: the relaxed one shows each flag took effect) and at the gateway's
 * process (through `docker exec` into its container). The relaxed instance's gateway must
 * look exactly like the hardened one's: not root, no capability, no-new-privileges, a
 * read-only root, its limits, no engine socket and no host path the agent was given.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, makeHome, waitFor, waitForEnd } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';

const run = promisify(execFile);

/**
 * One `key=value` line per hardening item of the process at `$P` (a /proc directory), as
 * seen from inside its container.
 */
const probe = [
  'echo "uid=$(awk \'/^Uid:/ { print $2 }\' "$P/status")"',
  'sed -n \'s/^\\(CapEff\\|CapBnd\\|NoNewPrivs\\):[[:space:]]*/\\1=/p\' "$P/status"',
  '(echo x > /var/tmp/corral-probe) 2>/dev/null && echo rootfs=writable || echo rootfs=read-only',
  'echo "pids=$(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max)"',
  'echo "memory=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"',
  '[ -S /var/run/docker.sock ] && echo socket=present || echo socket=absent',
  'echo "mounts=$(awk \'{ print $5 }\' "$P/mountinfo" | grep -Ev "^/($|(proc|sys|dev)($|/))" | sort | tr "\\n" " ")"',
].join('\n');

/** The agent's command: its own probe into agent.txt, then it waits for the test. */
const agentCommand = `P=/proc/self; { ${probe}; } > agent.txt; while [ ! -e .go ]; do sleep 0.2; done`;

/** Run in the gateway's container: the probe of the gateway's own node process. */
const gatewayProbe = [
  // Anchored on "node": this shell's own command line holds the pattern but starts with sh.
  'for d in /proc/[0-9]*; do tr "\\0" " " < "$d/cmdline" 2>/dev/null | grep -q "^node /opt/corral-gateway/" && P=$d && break; done',
  '[ -n "$P" ] || { echo "no gateway process" >&2; exit 1; }',
  probe,
].join('\n');

type Observed = Record<string, string>;

function parseProbe(text: string): Observed {
  const out: Observed = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

const noCaps = '0000000000000000';
const netRaw = '0000000000002000';

const everyFlag = (hostDir: string) => [
  '--unsafe-root',
  '--unsafe-cap-add',
  'NET_RAW',
  '--unsafe-new-privileges',
  '--unsafe-writable-root',
  '--unsafe-no-limits',
  '--unsafe-docker-socket',
  '--unsafe-mount',
  `${hostDir}:/host`,
];

describe('the gateway stays fully hardened whatever --unsafe-… flags the agent has', () => {
  let home: string;
  let repo: TestRepo;
  let hostDir: string;
  const ids: string[] = [];

  beforeAll(async () => {
    home = await makeHome();
    repo = await makeRepo({ 'README.md': '# gateway hardening\n' });
    hostDir = await mkdtemp(join(tmpdir(), 'corral-gateway-hardening-'));
    await chmod(hostDir, 0o755);
  });

  afterAll(async () => {
    for (const id of ids) await corral(home, ['rm', id, '--force']);
    await rm(hostDir, { recursive: true, force: true });
  });

  /** Starts a fenced instance with `flags`; returns its id once the agent has probed itself. */
  async function start(flags: string[]): Promise<{ id: string; agent: Observed }> {
    const r = await corral(
      home,
      [
        'run',
        '--backend',
        'docker',
        '--allow-host',
        'example.invalid',
        ...flags,
        '-d',
        '--',
        'sh',
        '-c',
        agentCommand,
      ],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    ids.push(id);
    const file = join(home, 'instances', id, 'workspace', 'agent.txt');
    const agent = await waitFor(
      `${id}'s probe`,
      async () => {
        const text = await readFile(file, 'utf8').catch(() => '');
        return text.includes('mounts=') ? parseProbe(text) : undefined;
      },
      120_000,
    );
    return { id, agent };
  }

  async function gatewayOf(id: string): Promise<Observed> {
    const { stdout: found } = await run('docker', [
      'ps',
      '-q',
      '--filter',
      `label=corral.instance=${id}`,
      '--filter',
      'label=corral.service=gateway',
    ]);
    const containers = found.trim().split('\n').filter(Boolean);
    expect(containers).toHaveLength(1);
    const { stdout } = await run('docker', ['exec', containers[0]!, 'sh', '-c', gatewayProbe]);
    return parseProbe(stdout);
  }

  async function finish(id: string): Promise<void> {
    await writeFile(join(home, 'instances', id, 'workspace', '.go'), '');
    expect(await waitForEnd(home, id, 120_000)).toBe('succeeded');
  }

  it('a relaxed agent, a gateway identical to a hardened instance’s', async () => {
    const [hardened, relaxed] = await Promise.all([start([]), start(everyFlag(hostDir))]);
    try {
      // The control: the same probe sees each flag in the relaxed agent, none in the other.
      expect(hardened.agent).toMatchObject({
        CapEff: noCaps,
        CapBnd: noCaps,
        NoNewPrivs: '1',
        rootfs: 'read-only',
        socket: 'absent',
      });
      expect(hardened.agent.uid).not.toBe('0');
      expect(hardened.agent.mounts).not.toMatch(/\/host |docker\.sock/);
      expect(relaxed.agent).toMatchObject({
        uid: '0',
        CapEff: netRaw,
        CapBnd: netRaw,
        NoNewPrivs: '0',
        rootfs: 'writable',
        pids: 'max',
        socket: 'present',
      });
      expect(Number(relaxed.agent.memory?.replace('max', 'Infinity'))).toBeGreaterThan(2 ** 40);
      expect(relaxed.agent.mounts).toMatch(/\/host \/run\/docker\.sock .*\/workspace/);

      const baseline = await gatewayOf(hardened.id);
      expect(baseline.uid).toMatch(/^\d+$/);
      expect(baseline.uid).not.toBe('0');
      expect(baseline).toMatchObject({
        CapEff: noCaps,
        CapBnd: noCaps,
        NoNewPrivs: '1',
        rootfs: 'read-only',
        socket: 'absent',
      });
      expect(baseline.pids).toMatch(/^\d+$/);
      expect(baseline.memory).toMatch(/^\d+$/);
      expect(baseline.mounts).toContain('/etc/corral/gateway');
      expect(baseline.mounts).not.toMatch(/\/workspace|\/host |docker\.sock/);

      expect(await gatewayOf(relaxed.id)).toEqual(baseline);
    } finally {
      await Promise.all([finish(hardened.id), finish(relaxed.id)]);
    }
  }, 300_000);
});
