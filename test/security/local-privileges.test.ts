/**
 * What a hostile command can do with the local backend's sandbox, tried the way an
 * attacker would, through the built CLI, with corral run as root (CI, a devcontainer, a
 * cloud VM) and as a normal user: it is not root and holds no capability; mount, a user
 * namespace of its own (`unshare -r`, `unshare -U`), mknod, a raw socket and
 * open_by_handle_at all fail; a fork bomb and a memory hog are stopped where the host
 * enforces --pids and --memory, and `corral policy` / `corral doctor` say plainly which
 * limits hold and by what; the work comes back, and a kept workspace is owned by its owner
 * again (nothing outside it changed owner through the links the command left).
 *
 * Every probe first succeeds where it should: the same script, run by this test as root
 * on the host, mounts, unshares, makes a device, opens a raw socket and a file by handle;
 * each limit's probe is run once under a limit it stays below.
 */
import { execFileSync } from 'node:child_process';
import { chown, lstat, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, makeHome, type CliResult } from '../helpers/cli.js';
import {
  corralAsUser,
  giveTo,
  makeUserHome,
  testUser,
  type TestUser,
} from '../helpers/cli-as-user.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';

/**
 * The command's uid, capability sets and no-new-privileges, then one `name=…` line per
 * attempt: `ok`, `failed: <the tool's last line>`, or `hung` (given up after 20 s).
 * `$1` is a root-only file to read.
 */
const privilegeProbe =
  String.raw`d=$(mktemp -d)
echo "uid=$(id -u)"
sed -n 's/^\(Cap[A-Za-z]*\|NoNewPrivs\):[[:space:]]*/\1=/p' /proc/self/status
try() { n=$1; shift; timeout -k 5 20 "$@" > "$d/out" 2>&1 < /dev/null; ec=$?; if [ $ec = 0 ]; then echo "$n=ok"; elif [ $ec -ge 124 ]; then echo "$n=hung"; else echo "$n=failed: $(tail -n 1 "$d/out")"; fi; }
try see-root-only test -e "$1"
try read-root-only cat "$1"
try chown sh -c "echo x > '$d/owned' && chown 12345:12345 '$d/owned'"
try mount sh -c "mount -t tmpfs corral-probe '$d' && umount '$d'"
try unshare-r unshare -r true
try unshare-U unshare -U true
try bwrap bwrap --unshare-user --dev-bind / / true
try mknod sh -c "mknod '$d/null' c 1 3 && rm -f '$d/null'"
try raw-socket perl -MSocket -e 'socket(my $s, PF_INET, SOCK_RAW, 1) or die "$!\n"'
cat > "$d/by-handle.pl" <<'PERL'
my ($n2h, $obh) = (` +
  '`uname -m`' +
  String.raw` =~ /aarch64/) ? (264, 265) : (303, 304);
my $path = $ARGV[0];
(my $dir = $path) =~ s{/[^/]+$}{};
my $handle = pack('LL', 128, 0) . ("\0" x 128);
my $mount_id = pack('L', 0);
syscall($n2h, -100, $path, $handle, $mount_id, 0) == 0 or die "name_to_handle_at: $!\n";
open(my $mnt, '<', $dir) or die "open $dir: $!\n";
my $fd = syscall($obh, fileno($mnt), $handle, 0);
$fd >= 0 or die "open_by_handle_at: $!\n";
PERL
echo x > "$d/f"
try open_by_handle_at perl "$d/by-handle.pl" "$d/f"
rm -rf "$d"
`;

const attempts = [
  'read-root-only',
  'chown',
  'mount',
  'unshare-r',
  'unshare-U',
  'bwrap',
  'mknod',
  'raw-socket',
  'open_by_handle_at',
];

/** The capability sets of /proc/self/status. */
const capabilitySets = ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'];

/**
 * A file only root may read, planted where every sandbox sees it (a system directory the
 * fence leaves visible), so that failing to read it means "not root", not "hidden".
 */
const rootOnly = `/etc/corral-root-only-${process.pid}`;

/** Forks sleepers until fork fails or 300 are up; prints how many, then ends them all. */
const forkBomb = `my @kids; my $n = 0;
while ($n < 300) { my $p = fork(); last unless defined $p; if ($p == 0) { sleep 120; exit 0 } push @kids, $p; $n++ }
print "forked=$n\\n"; kill 'KILL', @kids; 1 while wait() > 0;`;

/** Touches 16 MiB at a time up to 384 MiB, saying how far it got. */
const memoryHog = `const held = [];
for (let mb = 16; mb <= 384; mb += 16) { held.push(Buffer.alloc(16 << 20, 1)); console.log('allocated ' + mb + ' MiB'); }
console.log('survived');`;

/** The CPU quota of the command's own cgroup, as it reads it: `quota=<µs per 100 ms>`. */
const cpuQuota = `const fs = require('fs');
const own = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\\n').map((l) => l.split(':'));
const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').map((l) => l.split(' '));
const v1 = own.find((f) => f[1] && f[1].split(',').includes('cpu'));
const mount = (type, opt) => mounts.find((m) => m[m.indexOf('-') + 1] === type && (!opt || m[m.indexOf('-') + 3].split(',').includes(opt)));
if (v1) {
  const m = mount('cgroup', 'cpu');
  console.log('quota=' + fs.readFileSync(m[4] + v1[2] + '/cpu.cfs_quota_us', 'utf8').trim());
} else {
  const m = mount('cgroup2');
  const v2 = own.find((f) => f[0] === '0');
  console.log('quota=' + fs.readFileSync(m[4] + v2[2] + '/cpu.max', 'utf8').split(' ')[0]);
}`;

function parseLines(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

interface Variant {
  name: string;
  /** null: root, the tests' own user. */
  user: TestUser | null;
}

const variants: Variant[] = [
  { name: 'as root', user: null },
  { name: 'as a normal user', user: testUser },
];

const cleanup: string[] = [];

afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'These tests run corral both as root and as an unprivileged user: run the system tests as root (CI does).',
    );
  }
  await writeFile(rootOnly, 'root-only-secret\n', { mode: 0o600 });
  cleanup.push(rootOnly);
});

describe('the probes work where they should', () => {
  it('as root on the host, every attempt succeeds', () => {
    const seen = parseLines(
      execFileSync('sh', ['-c', privilegeProbe, 'probe', rootOnly], { encoding: 'utf8' }),
    );
    expect(seen.uid).toBe('0');
    expect(seen.CapEff).not.toBe('0000000000000000');
    expect(seen['see-root-only']).toBe('ok');
    for (const name of attempts) expect(seen[name], name).toBe('ok');
  });
});

describe.each(variants)('the local sandbox, corral run $name', ({ user }) => {
  let repo: TestRepo;
  let home: string;

  beforeAll(async () => {
    repo = await makeRepo({ 'README.md': '# privileges\n' });
    cleanup.push(repo.dir);
    home = user ? await makeUserHome(user) : await makeHome();
    cleanup.push(home);
    if (user) giveTo(user, repo.dir);
  });

  function run(args: string[]): Promise<CliResult> {
    return user
      ? corralAsUser(user, args, { cwd: repo.dir, home })
      : corral(home, args, { cwd: repo.dir });
  }

  /** The state root the CLI uses. */
  function stateRoot(): string {
    return user ? join(home, '.corral') : home;
  }

  /** `git show` in the repository, as its owner (git refuses a repository owned by another). */
  function show(ref: string, path: string): string {
    return execFileSync('git', ['-C', repo.dir, 'show', `${ref}:${path}`], {
      encoding: 'utf8',
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
  }

  async function runCommand(
    flags: string[],
    argv: string[],
  ): Promise<{ r: CliResult; id: string; seen: Record<string, string> }> {
    const r = await run(['run', '--backend', 'local', ...flags, '--', ...argv]);
    const id = /corral: (\S+) on local/.exec(r.stderr)?.[1] ?? '';
    expect(id, r.stderr).not.toBe('');
    return { r, id, seen: parseLines(r.stdout) };
  }

  async function policyOf(id: string): Promise<{
    text: string;
    enforced: { memory: string | null; cpus: string | null; pids: string | null };
  }> {
    const text = (await run(['policy', id])).stdout;
    const json = (await run(['policy', id, '--json'])).json<{
      enforcedLimits: { memory: string | null; cpus: string | null; pids: string | null };
    }>();
    return { text, enforced: json.enforcedLimits };
  }

  it('runs the command as no root, with no capability, unable to read a root-only file, chown, mount, unshare, run bubblewrap, mknod, open raw sockets or files by handle', async () => {
    const { r, seen } = await runCommand([], ['sh', '-c', privilegeProbe, 'probe', rootOnly]);
    expect(r.code, r.stderr).toBe(0);
    expect(seen.uid).toMatch(/^\d+$/);
    expect(seen.uid).not.toBe('0');
    // As root: a uid of the sandbox's own (no account's); as a user: that user.
    if (user) expect(seen.uid).toBe(String(user.uid));
    else expect(Number(seen.uid)).toBeGreaterThanOrEqual(0x7c000000);
    for (const set of capabilitySets) expect(seen[set], set).toBe('0000000000000000');
    expect(seen.NoNewPrivs).toBe('1');
    for (const name of attempts) expect(seen[name], name).toMatch(/^failed/);
    // The root-only file is there to see, and refused for its permissions.
    expect(seen['see-root-only']).toBe('ok');
    expect(seen['read-root-only']).toContain('Permission denied');
    expect(r.stdout).not.toContain('root-only-secret');
    // A user namespace is refused outright, not merely left without a uid map.
    expect(seen['unshare-U']).toContain('No space left on device');
  });

  it('stops a fork bomb at --pids', async () => {
    const control = await runCommand(['--pids', '1024'], ['perl', '-e', forkBomb]);
    expect(control.seen.forked, control.r.stderr).toBe('300');
    const limited = await runCommand(['--pids', '64'], ['perl', '-e', forkBomb]);
    expect(Number(limited.seen.forked), limited.r.stderr).toBeLessThan(64);
    const { text, enforced } = await policyOf(limited.id);
    expect(enforced.pids).toMatch(user ? /^(cgroup v[12]|RLIMIT_NPROC)$/ : /^cgroup v[12]$/);
    expect(text).toContain(`pids 64 (`);
    expect(text).toMatch(new RegExp(`pids by ${enforced.pids ?? ''}`));
  });

  it('stops a memory hog at --memory where the host enforces it, and never claims it where not', async () => {
    const control = await runCommand(['--memory', '1g'], ['node', '-e', memoryHog]);
    expect(control.r.stdout, control.r.stderr).toContain('survived');
    const limited = await runCommand(['--memory', '256m'], ['node', '-e', memoryHog]);
    const { text, enforced } = await policyOf(limited.id);
    // As root on these machines a cgroup is there to hold it.
    if (!user) expect(enforced.memory).toMatch(/^cgroup v[12]$/);
    if (enforced.memory) {
      expect(limited.r.stdout).not.toContain('survived');
      expect(limited.r.code).toBe(137);
      expect(text).toMatch(new RegExp(`memory(, cpus)?( and pids)? by ${enforced.memory}`));
    } else {
      // Not enforced, and said so: the hog got what it asked for.
      expect(limited.r.stdout).toContain('survived');
      expect(text).toMatch(/memory( and cpus)? not enforced/);
    }
  });

  it('holds the command to --cpus where the host enforces it, and says so', async () => {
    const roomy = await runCommand(['--cpus', '2'], ['node', '-e', cpuQuota]);
    const tight = await runCommand(['--cpus', '0.5'], ['node', '-e', cpuQuota]);
    const { text, enforced } = await policyOf(tight.id);
    if (!user) expect(enforced.cpus).toMatch(/^cgroup v[12]$/);
    if (enforced.cpus) {
      // The same reading shows the quota follow the flag.
      expect(roomy.seen.quota, roomy.r.stderr).toBe('200000');
      expect(tight.seen.quota, tight.r.stderr).toBe('50000');
    } else {
      expect(text).toMatch(/cpus not enforced/);
      expect(roomy.seen.quota).toBe(tight.seen.quota);
    }
    const doctor = await run(['doctor']);
    const line = doctor.stdout.split('\n').find((l) => l.includes('limits local')) ?? '';
    expect(line, doctor.stdout).toContain(enforced.cpus ? `cpus` : 'not enforced');
    expect(line.startsWith(enforced.memory && enforced.cpus && enforced.pids ? '✔' : '✘')).toBe(
      true,
    );
  });

  it('brings the work back, and hands a kept workspace back to its owner', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'corral-outside-'));
    cleanup.push(outside);
    const target = join(outside, 'not-yours.txt');
    await writeFile(target, 'host file\n');
    await chown(target, 12345, 12345);
    const script = [
      'echo work > work.txt',
      'mkdir -p deep/er && echo nested > deep/er/file.txt',
      `ln -s ${target} deep/link-out`,
      'echo "owner-in-sandbox=$(stat -c %u work.txt)"',
      'cp /bin/true setuid-true && chmod 4755 setuid-true',
    ].join(' && ');
    const { r, id, seen } = await runCommand(['--keep'], ['sh', '-c', script]);
    expect(r.code, r.stderr).toBe(0);
    expect(seen['owner-in-sandbox']).not.toBe('0');
    expect(show(`corral/${id}`, 'work.txt')).toBe('work\n');
    expect(show(`corral/${id}`, 'deep/er/file.txt')).toBe('nested\n');

    const workspace = join(stateRoot(), 'instances', id, 'workspace');
    // The plant is there: a link out of the workspace, to a file of someone else's.
    expect((await lstat(join(workspace, 'deep', 'link-out'))).isSymbolicLink()).toBe(true);
    const owner = user ?? { uid: 0, gid: 0 };
    const owners = new Set<string>();
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const info = await lstat(path);
        owners.add(`${info.uid}:${info.gid}`);
        if (entry.isDirectory()) await walk(path);
      }
    };
    await walk(workspace);
    expect([...owners]).toEqual([`${owner.uid}:${owner.gid}`]);
    const target2 = await lstat(target);
    expect([target2.uid, target2.gid]).toEqual([12345, 12345]);
    expect(await readFile(target, 'utf8')).toBe('host file\n');
    if (!user) {
      // Root's again, the program the command marked setuid is no longer so.
      expect((await lstat(join(workspace, 'setuid-true'))).mode & 0o6000).toBe(0);
    }
  });
});
