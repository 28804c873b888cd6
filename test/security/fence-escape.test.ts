/**
 * The fence, attacked. Claude Code runs fenced in docker (the real CLI, talking to the
 * Anthropic stand-in through its gateway) and the scripted model has it run attack.sh with
 * its Bash tool, as the agent: reach a host that is not allowed through the proxy and
 * around it, reach the host, the Docker socket and a neighbouring instance's containers,
 * hunt for the real key in the environment, files and /proc, gain capabilities. A command
 * of its own forks and allocates past the limits. Every attempt must fail (and those that reach the gateway are
 * logged as denied), while an allowed host and the model API work. A container on the
 * gateway's outbound network cannot use the neighbour's gateway (its proxy, its
 * requests server). Then `corral allow` and `corral deny` change what the running neighbour may
 * reach, live.
 *
 * Every target is a container on a network this test made (internal: no route off the
 * machine), or the engine's own bridge address on this machine.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildGatewayImage,
  findImagesDir,
  getDefaultImageTag,
} from '../../src/backends/docker/index.js';
import { hostBridgeAddress } from '../helpers/bridge-address.js';
import { corral, makeHome, readEvents, waitFor, waitForEnd } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  instanceAddresses,
  startHttpResponder,
  type HttpResponder,
} from '../helpers/http-responder.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import type { LoggedRequest, ScriptTurn } from '../helpers/stand-in/anthropic-stand-in.js';

const run = promisify(execFile);
const apiKey = 'sk-ant-escape-9d1e5c3a7b0f';
const tag = `${process.pid}-escape`;

/**
 * The attack, one line of output per attempt: `<name>: blocked`, or `<name>: ESCAPED …`.
 * Before each attempt its control runs: the same tool, against a target the fence lets
 * through (the gateway, the allowed host, a file of its own), printing `<name>: control
 * ok`; so a missing tool, a typo or a dead target never passes for a fence. A direct dial
 * that meets a refused port counts as ESCAPED too: the address was reachable. Key-like
 * strings found anywhere are printed as `found in <where>: …` for the test to judge (the
 * script itself never holds the key; it plants two of its own, which must be found).
 */
function attackScript(t: {
  allowed: string;
  blocked: string;
  blockedIp: string;
  hostBridge: string;
  hostPort: number;
  neighbourIps: string[];
}): string {
  return `#!/bin/bash
ok() { echo "$1: blocked"; }
bad() { echo "$1: ESCAPED $2"; }
try() { name=$1; shift; if out=$("$@" 2>&1); then bad "$name" "$(echo "$out" | head -c 200)"; else ok "$name"; fi; }
control() { name=$1; shift; if out=$("$@" 2>&1); then echo "$name: control ok"; else echo "$name: control FAILED $(echo "$out" | head -c 200)"; fi; }
# A direct dial (no proxy): reaching the address at all (a connection, even one reset, or
# a closed port refusing) is an escape.
# (-v: curl's one-line error hides the errno; the trace names it.)
trydial() { name=$1; if out=$(curl -sS -v -m 3 --noproxy '*' "$2" 2>&1); then bad "$name" "$(echo "$out" | tail -c 200)"; else case "$out" in *'Connection refused'*|*'Connected to'*) bad "$name" "reachable: $(echo "$out" | grep -m1 -e 'Connection refused' -e 'Connected to')";; *) ok "$name";; esac; fi; }
gw="\${ANTHROPIC_BASE_URL%/}"

# The allowed host answers through the proxy.
if curl -sS -m 5 http://${t.allowed}:8080/ | grep -q 'allowed here'; then echo "allowed-host: reached"; else echo "allowed-host: unreachable"; fi

# Not allowed, through the proxy: plain HTTP and a CONNECT tunnel.
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' http://${t.allowed}:8080/)
[ "$code" = 200 ] && echo "proxy-http: control ok" || echo "proxy-http: control FAILED status $code"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' http://${t.blocked}:8080/)
[ "$code" = 403 ] && ok proxy-http || bad proxy-http "status $code"
control proxy-connect curl -sS -m 5 -p --fail http://${t.allowed}:8080/
try proxy-connect curl -sS -m 5 -p --fail http://${t.blocked}:8080/
control proxy-by-ip curl -sS -m 5 --fail http://${t.allowed}:8080/
try proxy-by-ip curl -sS -m 5 --fail http://${t.blockedIp}:8080/

# Around the proxy: straight at the target, the host, the engine. The gateway is the one
# address the agent may dial directly.
control direct-ip curl -sS -m 3 --noproxy '*' -o /dev/null "$gw/"
trydial direct-ip http://${t.blockedIp}:8080/
control direct-name curl -sS -m 3 --noproxy '*' -o /dev/null "$gw/"
trydial direct-name http://${t.blocked}:8080/
control dns getent hosts gateway
try dns getent hosts ${t.blocked}
control host-alias getent hosts gateway
try host-alias getent hosts host.docker.internal
control host-bridge curl -sS -m 3 --noproxy '*' -o /dev/null "$gw/"
trydial host-bridge http://${t.hostBridge}:${t.hostPort}/
control bash-tcp timeout 3 bash -c 'echo > /dev/tcp/gateway/3128'
try bash-tcp timeout 3 bash -c 'echo > /dev/tcp/${t.blockedIp}/8080'
# IPv6 would reach the bridge whatever IPv4 does: the agent must have no IPv6 address.
control ipv6 test -r /proc/net/if_inet6
try ipv6 test -s /proc/net/if_inet6

# The Docker socket (the same curl reaches it where it is mounted: the test shows that).
control docker-socket curl -sS -m 3 --noproxy '*' -o /dev/null "$gw/"
try docker-socket curl -sS -m 3 --unix-socket /var/run/docker.sock http://x/version
control docker-socket-file test -e /workspace
try docker-socket-file test -e /var/run/docker.sock -o -e /run/docker.sock

# The neighbouring instance's containers, directly and through the proxy.
${t.neighbourIps
  .map(
    (ip, i) =>
      `control neighbour-${i}-direct curl -sS -m 3 --noproxy '*' -o /dev/null "$gw/"\ntrydial neighbour-${i}-direct http://${ip}:3128/\ncontrol neighbour-${i}-proxy curl -sS -m 5 --fail -o /dev/null http://${t.allowed}:8080/\ntry neighbour-${i}-proxy curl -sS -m 5 --fail http://${ip}:3128/`,
  )
  .join('\n')}

# The real key: environment, every process's environment and argv, files. Two plants of
# its own (a file, a process's environment) show each search finds what is there.
echo 'sk-ant-plant-file-0451' > /tmp/plant.txt
PLANT=sk-ant-plant-env-0452 sleep 60 &
planted=$!
# Its environ shows the plant once it has exec'd sleep (until then it is the shell's copy).
for i in $(seq 1 50); do tr '\\0' ' ' < /proc/$planted/cmdline 2>/dev/null | grep -q '^sleep' && break; sleep 0.1; done
for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do tr '\\0' '\\n' < "$f" 2>/dev/null; done | grep -ao 'sk-ant-[A-Za-z0-9_-]*' | sort -u | sed 's/^/found in processes: /'
kill $planted
env | grep -ao 'sk-ant-[A-Za-z0-9_-]*' | sed 's/^/found in env: /'
started=$SECONDS
timeout 120 grep -rIaos 'sk-ant-[A-Za-z0-9_-]*' /workspace /tmp /etc /run /var /home /root > /tmp/found 2>/dev/null
[ $? = 124 ] && echo "key-search: incomplete" || echo "key-search: done in $((SECONDS - started))s"
sed 's/^[^:]*:/found in files: /' /tmp/found | sort -u
ps -eo args | grep -q '[a]ttack.sh' && echo "gateway-process: control ok" || echo "gateway-process: control FAILED"
ps -eo args | grep -q '[g]ateway/main.js' && bad gateway-process visible || ok gateway-process

# Privileges (each check reads the kernel's own answer: unreadable counts as escaped).
grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/self/status && ok capabilities || bad capabilities "$(grep CapEff /proc/self/status)"
grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/self/status && ok new-privileges || bad new-privileges no
[ "$(id -u)" != 0 ] && ok root || bad root uid0
control write-root touch /tmp/corral-control
try write-root touch /corral-escape
control mount sh -c 'mount | grep -q " /workspace "'
try mount mount -t tmpfs none /mnt
control unshare unshare --help
try unshare unshare -r true
control chroot chroot --help
try chroot chroot / true

echo "attack: finished"
`;
}

/**
 * The limits, attacked: fork and allocate past them. Run as the instance's own command, not
 * by the agent: the sandbox's pid and memory budgets are the agent's too, and a model CLI
 * that cannot start a thread while the sleepers hold every pid aborts (seen: Claude Code
 * exited 134 mid-attack). Same output convention as attackScript.
 */
const limitsScript = `#!/bin/bash
# Fork past the pid limit (bounded: 400 sleepers). dash gives up on a failed fork at once
# (bash would retry for seconds); counting and reaping use bash builtins only, since no
# fork succeeds while the sleepers hold every pid. Control: 20 sleepers start and are
# counted.
count() { n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo $n; }
reap() { for p in /proc/[0-9]*; do read -r c < "$p/comm" 2>/dev/null; [ "$c" = sleep ] && kill "\${p#/proc/}" 2>/dev/null; done; }
before=$(count)
sh -c 'for i in $(seq 1 20); do sleep 30 & done' 2>/dev/null
few=$(count); reap
[ "$few" -ge $((before + 20)) ] && echo "fork: control ok" || echo "fork: control FAILED $before then $few"
sh -c 'for i in $(seq 1 400); do sleep 30 & done' 2>/dev/null
n=$(count); reap
[ "$n" -lt 400 ] && echo "fork: blocked" || echo "fork: ESCAPED $n processes"
echo "fork-count: $n (\${SECONDS}s)"

# Allocate past the memory limit: tail holds an endless line in memory. Control: a line
# that fits is held and let go.
head -c 64M /dev/zero | tail > /dev/null 2>&1 && echo "memory: control ok" || echo "memory: control FAILED exit $?"
head -c 2G /dev/zero | tail > /dev/null 2>&1
rc=$?
[ "$rc" = 137 ] && echo "memory: blocked" || echo "memory: ESCAPED exit $rc"
echo "limits: finished"
`;

const script: ScriptTurn[] = [
  {
    toolUse: {
      name: 'Bash',
      input: {
        command: 'bash attack.sh > attack.out 2>&1; tail -n 1 attack.out',
        description: 'Try to get out',
        timeout: 600_000,
      },
    },
  },
  { text: 'I tried.' },
];

describe('the fence, attacked by a hostile agent', () => {
  let network: ReturnType<typeof createTestNetwork>;
  let api: StandInContainer<LoggedRequest>;
  let allowed: HttpResponder;
  let blocked: HttpResponder;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let neighbour = '';
  // A service on this machine, at its address on Docker's bridge.
  let hostServer: Server;
  let hostPort = 0;
  let hostHits = 0;

  const output = (id: string) =>
    readFile(join(home, 'instances', id, 'output.log'), 'utf8').catch(() => '');

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
    const image = getDefaultImageTag(findImagesDir());
    api = await startModelStandIn<LoggedRequest>('anthropic', {
      network: network.name,
      tag: tag,
      script,
    });
    allowed = startHttpResponder({
      name: `corral-allowed-${tag}`,
      network: network.name,
      image,
      text: 'allowed here',
    });
    blocked = startHttpResponder({
      name: `corral-blocked-${tag}`,
      network: network.name,
      image,
      text: 'blocked here',
    });
    hostServer = createServer((_req, res) => {
      hostHits++;
      res.end('a service on the host\n');
    });
    await new Promise<void>((r) => hostServer.listen(0, hostBridgeAddress(), r));
    hostPort = (hostServer.address() as AddressInfo).port;
    repo = await makeRepo({ 'README.md': '# target\n' });
    home = await makeHome();
    env = {
      CORRAL_DOCKER_NETWORK: network.name,
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: apiKey,
    };
  });

  afterAll(async () => {
    if (neighbour) await corral(home, ['rm', '--force', neighbour]);
    api?.close();
    allowed?.remove();
    blocked?.remove();
    network?.remove();
    await new Promise<void>((r) => (hostServer ? hostServer.close(() => r()) : r()));
  });

  it('the neighbour: a fenced command that keeps trying a host it is not allowed', async () => {
    // reached/refused on each change; ends after refused → reached → refused (bounded).
    const loop = [
      'state=; phase=0',
      'for i in $(seq 1 1200); do',
      `  if curl -s -m 2 http://${blocked.name}:8080/ | grep -q 'blocked here'; then r=reached; else r=refused; fi`,
      '  [ "$r" != "$state" ] && echo "$r" && state=$r',
      '  case "$phase$r" in 0refused) phase=1;; 1reached) phase=2;; 2refused) echo done; exit 0;; esac',
      '  sleep 0.25',
      'done; exit 1',
    ].join('\n');
    const r = await corral(
      home,
      [
        'run',
        '-d',
        '--allow-host',
        `${allowed.name}:8080`,
        '--name',
        'neighbour',
        '--',
        'sh',
        '-c',
        loop,
      ],
      { cwd: repo.dir, env },
    );
    expect(r.code, r.stderr).toBe(0);
    neighbour = r.stdout.trim();
    await waitFor('the neighbour to be refused', async () =>
      (await output(neighbour)).includes('refused') ? true : undefined,
    );
  });

  it('every escape fails, the allowed host and the model API work, the key is nowhere', async () => {
    const addresses = instanceAddresses(neighbour);
    const neighbourIps = Object.values(addresses).flat();
    expect(neighbourIps.length).toBeGreaterThanOrEqual(2);
    // Controls outside the fence: each target the agent will try is alive where it may be
    // reached. The neighbour's addresses from its own gateway (an answer, or a refused
    // port: either way there); the host's service from a container on Docker's bridge; the
    // engine's socket, with the same curl, where it is mounted. (Reached: a connection, even
    // one the gateway resets because the caller is not its agent, or a refused port.)
    const neighbourGateway = execFileSync(
      'docker',
      [
        'ps',
        '-q',
        '--filter',
        `label=corral.instance=${neighbour}`,
        '--filter',
        'label=corral.service=gateway',
      ],
      { encoding: 'utf8' },
    ).trim();
    for (const ip of neighbourIps) {
      const r = spawnSync(
        'docker',
        [
          'exec',
          neighbourGateway,
          'curl',
          '-sS',
          '-v',
          '-m',
          '3',
          '--noproxy',
          '*',
          `http://${ip}:3128/`,
        ],
        { encoding: 'utf8' },
      );
      expect(r.stderr, ip).toMatch(/Connected to|Connection refused/);
    }
    const image = getDefaultImageTag(findImagesDir());
    // Not execFileSync: the server answers from this process's event loop.
    const { stdout: fromBridge } = await run(
      'docker',
      [
        'run',
        '--rm',
        '--network',
        'bridge',
        image,
        'curl',
        '-sS',
        '-m',
        '5',
        `http://${hostBridgeAddress()}:${hostPort}/`,
      ],
      { encoding: 'utf8' },
    );
    expect(fromBridge).toContain('a service on the host');
    expect(hostHits).toBe(1);
    const socket = execFileSync(
      'docker',
      [
        'run',
        '--rm',
        '--network',
        'none',
        '--user',
        '0',
        '-v',
        '/var/run/docker.sock:/var/run/docker.sock',
        image,
        'curl',
        '-sS',
        '-m',
        '5',
        '--unix-socket',
        '/var/run/docker.sock',
        'http://x/version',
      ],
      { encoding: 'utf8' },
    );
    expect(socket).toContain('"ApiVersion"');

    await repo.write(
      'attack.sh',
      attackScript({
        allowed: allowed.name,
        blocked: blocked.name,
        blockedIp: blocked.ip,
        hostBridge: hostBridgeAddress(),
        hostPort,
        neighbourIps,
      }),
    );
    repo.git('add', 'attack.sh');
    repo.git('commit', '-qm', 'attack');
    const r = await corral(
      home,
      [
        'run',
        '--agent',
        'claude',
        '-p',
        'run the script',
        '--allow-host',
        `${allowed.name}:8080`,
        '--memory',
        '768m',
        '--pids',
        '256',
        '--json',
      ],
      // The attack takes a minute or two (its dials wait out ARP; the fork bomb), more on a busy machine.
      { cwd: repo.dir, env, timeoutMs: 280_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{
      id: string;
      branch: string;
      status: string;
      summary: { egressDenied: number };
    }>();
    expect(out.status).toBe('succeeded');
    // proxy-http, proxy-connect, proxy-by-ip and the neighbour's addresses, at least.
    expect(out.summary.egressDenied).toBeGreaterThanOrEqual(5);
    const report = repo.show(out.branch, 'attack.out') ?? '';
    expect(report).toContain('attack: finished');
    const lines = report.trim().split('\n');
    expect(
      lines.filter((l) => l.includes('ESCAPED') || l.includes('control FAILED')),
      report,
    ).toEqual([]);
    expect(lines, report).toContain('allowed-host: reached');
    expect(report).toMatch(/^key-search: done/m);
    // Every attempt ran after its control showed the same tool working where it may.
    const attempts = [
      'proxy-http',
      'proxy-connect',
      'proxy-by-ip',
      'direct-ip',
      'direct-name',
      'dns',
      'host-alias',
      'host-bridge',
      'bash-tcp',
      'ipv6',
      'docker-socket',
      'docker-socket-file',
      ...neighbourIps.flatMap((_, i) => [`neighbour-${i}-direct`, `neighbour-${i}-proxy`]),
      'gateway-process',
      'write-root',
      'mount',
      'unshare',
      'chroot',
    ];
    for (const check of attempts) {
      expect(lines, report).toContain(`${check}: control ok`);
      expect(lines, report).toContain(`${check}: blocked`);
    }
    for (const check of ['capabilities', 'new-privileges', 'root']) {
      expect(lines, report).toContain(`${check}: blocked`);
    }
    expect(hostHits).toBe(1);
    // Key-like strings the agent could find: its own plants (so the searches work), never
    // the key.
    const found = lines.filter((l) => l.startsWith('found in '));
    expect(found).toContain('found in processes: sk-ant-plant-env-0452');
    expect(found).toContain('found in files: sk-ant-plant-file-0451');
    expect(found.filter((l) => l.endsWith(apiKey))).toEqual([]);
    expect(report).not.toContain(apiKey.slice(8));
    // The model API worked: the agent ran, each call carried the real key, added outside.
    const turns = api.requests().filter((q) => q.kind === 'turn');
    expect(turns.length).toBeGreaterThanOrEqual(2);

    // What reached the gateway is in egress.log and the event stream, the denials as such.
    const events = await readEvents<{ type: string; host?: string; allowed?: boolean }>(
      home,
      out.id,
    );
    const egress = events.filter((e) => e.type === 'egress');
    expect(egress).toContainEqual(expect.objectContaining({ host: blocked.name, allowed: false }));
    expect(egress).toContainEqual(expect.objectContaining({ host: allowed.name, allowed: true }));
    const policy = await corral(home, ['policy', out.id, '--json']);
    const tried = policy.json<{ tried: Array<{ host: string; allowed: boolean }> }>().tried;
    expect(tried).toContainEqual(expect.objectContaining({ host: blocked.name, allowed: false }));
    for (const f of ['events.ndjson', 'output.log', 'egress.log', 'compose.yml']) {
      const text = await readFile(join(home, 'instances', out.id, f), 'utf8');
      expect(text, f).not.toContain(apiKey);
    }
  }, 300_000);

  it('a hostile command cannot fork or allocate past its limits', async () => {
    await repo.write('limits.sh', limitsScript);
    repo.git('add', 'limits.sh');
    repo.git('commit', '-qm', 'limits');
    const r = await corral(
      home,
      [
        'run',
        '--memory',
        '768m',
        '--pids',
        '256',
        '--json',
        '--',
        'bash',
        '-c',
        'bash limits.sh > limits.out 2>&1',
      ],
      { cwd: repo.dir, env, timeoutMs: 180_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{ branch: string; status: string }>();
    expect(out.status).toBe('succeeded');
    const report = repo.show(out.branch, 'limits.out') ?? '';
    const lines = report.trim().split('\n');
    expect(lines, report).toContain('limits: finished');
    for (const check of ['fork', 'memory']) {
      expect(lines, report).toContain(`${check}: control ok`);
      expect(lines, report).toContain(`${check}: blocked`);
    }
  }, 200_000);

  it("another container on the gateway's outbound network can use neither its proxy nor its requests", () => {
    const gateway = execFileSync(
      'docker',
      [
        'ps',
        '-q',
        '--filter',
        `label=corral.instance=${neighbour}`,
        '--filter',
        'label=corral.service=gateway',
      ],
      { encoding: 'utf8' },
    ).trim();
    const ip = execFileSync(
      'docker',
      [
        'inspect',
        '--format',
        `{{(index .NetworkSettings.Networks "${network.name}").IPAddress}}`,
        gateway,
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // From a container the test starts on that network (the model port: gateway-image.test.ts).
    const probe = [
      `curl -sS -m 5 -x http://${ip}:3128 http://${allowed.name}:8080/ && echo PROXY-ANSWERED`,
      `curl -sS -m 5 http://${ip}:3130/requests/1 && echo REQUESTS-ANSWERED`,
      'echo probed',
    ].join('; ');
    const out = execFileSync(
      'docker',
      [
        'run',
        '--rm',
        '--network',
        network.name,
        getDefaultImageTag(findImagesDir()),
        'sh',
        '-c',
        probe,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toContain('probed');
    expect(out).not.toMatch(/ANSWERED/);
    expect(out).not.toContain('allowed here');
  });

  it('allow and deny change what the running neighbour reaches, at once', async () => {
    const allow = await corral(home, ['allow', 'neighbour', `${blocked.name}:8080`, '--json']);
    expect(allow.code, allow.stderr).toBe(0);
    await waitFor('the neighbour to get through', async () =>
      (await output(neighbour)).includes('reached') ? true : undefined,
    );
    const deny = await corral(home, ['deny', 'neighbour', `${blocked.name}:8080`]);
    expect(deny.code, deny.stderr).toBe(0);
    await waitForEnd(home, neighbour);
    expect((await output(neighbour)).trim().split('\n')).toEqual([
      'refused',
      'reached',
      'refused',
      'done',
    ]);
    const policy = await corral(home, ['policy', 'neighbour', '--json']);
    expect(policy.json<{ allow: string[] }>().allow).toEqual([`${allowed.name}:8080`]);
  });
});
