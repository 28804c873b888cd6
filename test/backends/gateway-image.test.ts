/**
 * System test of the gateway image on a real engine, wired the way an instance is: on an
 * internal network this test creates (no route off the machine) run two tiny HTTP servers,
 * a stand-in model API that echoes the `x-api-key` it received, the gateway (config and
 * policy mounted read-only, egress log in a writable dir, the real key passed by name) and
 * an agent container as a non-root user with HTTP_PROXY pointing at the gateway. The agent
 * reaches the allowed server, is refused the other with the `corral-request host` line,
 * reaches the model API with a placeholder key that arrives as the real one, and an edit of
 * the policy file lets it through to the denied server without restarting the gateway.
 * Another container on the network can use neither the model port nor the proxy.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildGatewayImage,
  findImagesDir,
  getDefaultImageTag,
} from '../../src/backends/docker/index.js';
import type { EgressRecord } from '../../src/gateway/index.js';
import { waitFor } from '../helpers/cli.js';

const pid = process.pid;
const network = `corral-test-gw-net-${pid}`;
const allowed = `allowed-${pid}`;
const denied = `denied-${pid}`;
const modelApi = `model-api-${pid}`;
const gateway = `gateway-${pid}`;
const agent = `agent-${pid}`;
const realKey = `sk-ant-api03-real-${pid}-never-in-the-agent`;
const placeholder = 'corral-placeholder';
const gatewayUid = 10001;

function docker(args: string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env ? { env } : {}),
  });
}

// One-line HTTP servers in perl (perl-base is in every Debian image).
const serve = (body: string) =>
  `perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>8080,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){while(<$c>){last if /^\\r?$/} print $c "HTTP/1.0 200 OK\\r\\n\\r\\n${body}\\n"; close $c}'`;
const echoKey = `perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>8080,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){$k="none"; while(<$c>){last if /^\\r?$/; $k=$1 if /^x-api-key:\\s*(\\S+)/i} print $c "HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nkey=$k\\n"; close $c}'`;

describe('gateway image', () => {
  const sandboxImage = getDefaultImageTag(findImagesDir());
  let gatewayImage: string;
  let dir: string;
  let policyDir: string;
  let logDir: string;
  const containers: string[] = [];
  let networkCreated = false;

  function run(name: string, args: string[], env?: NodeJS.ProcessEnv): void {
    containers.push(name);
    docker(['run', '-d', '--name', name, '--network', network, ...args], env);
  }

  function writePolicy(allow: string[]): void {
    // Write then rename, as corral edits it: the gateway never reads half a file.
    const tmp = join(policyDir, '.egress.json.tmp');
    writeFileSync(tmp, JSON.stringify({ allow }));
    chmodSync(tmp, 0o644);
    renameSync(tmp, join(policyDir, 'egress.json'));
  }

  /** Runs `script` in the agent container as its non-root user; stdout, stderr and exit code. */
  function inAgent(script: string): { stdout: string; code: number } {
    try {
      return { stdout: docker(['exec', agent, 'sh', '-c', script]), code: 0 };
    } catch (error) {
      const e = error as { stdout?: string; status?: number };
      return { stdout: e.stdout ?? '', code: e.status ?? 1 };
    }
  }

  function egressRecords(): EgressRecord[] {
    let text = '';
    try {
      text = readFileSync(join(logDir, 'egress.log'), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as EgressRecord);
  }

  beforeAll(async () => {
    gatewayImage = await buildGatewayImage();
    dir = mkdtempSync(join(tmpdir(), 'corral-gw-test-'));
    chmodSync(dir, 0o755);
    policyDir = join(dir, 'policy');
    logDir = join(dir, 'logs');
    for (const d of [policyDir, logDir]) {
      execFileSync('mkdir', ['-m', '755', d]);
    }
    chownSync(logDir, gatewayUid, gatewayUid);
    writePolicy([`${allowed}:8080`]);
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        egress: {
          port: 3128,
          policyPath: '/etc/corral/gateway/policy/egress.json',
          logPath: '/var/log/corral/egress.log',
          pollMs: 200,
        },
        models: [
          {
            api: 'anthropic',
            port: 8081,
            upstream: `http://${modelApi}:8080`,
            keyEnv: 'ANTHROPIC_API_KEY',
            auth: 'x-api-key',
          },
        ],
        // As in an instance: the agent alone may connect.
        clients: [agent],
      }),
    );
    chmodSync(config, 0o644);

    docker(['network', 'create', '--internal', network]);
    networkCreated = true;
    run(allowed, [sandboxImage, 'sh', '-c', serve('allowed server here')]);
    run(denied, [sandboxImage, 'sh', '-c', serve('denied server here')]);
    run(modelApi, [sandboxImage, 'sh', '-c', echoKey]);
    // The key goes in by name: its value is only in the docker CLI's environment.
    run(
      gateway,
      [
        '--read-only',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '-e',
        'ANTHROPIC_API_KEY',
        '-v',
        `${config}:/etc/corral/gateway/config.json:ro`,
        '-v',
        `${policyDir}:/etc/corral/gateway/policy:ro`,
        '-v',
        `${logDir}:/var/log/corral`,
        gatewayImage,
      ],
      { ...process.env, ANTHROPIC_API_KEY: realKey },
    );
    const proxy = `http://${gateway}:3128`;
    const noProxy = `localhost,127.0.0.1,${gateway}`;
    run(agent, [
      '--user',
      '4321:4321',
      '--read-only',
      '--cap-drop',
      'ALL',
      ...['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].flatMap((n) => [
        '-e',
        `${n}=${proxy}`,
      ]),
      ...['NO_PROXY', 'no_proxy'].flatMap((n) => ['-e', `${n}=${noProxy}`]),
      '-e',
      `ANTHROPIC_BASE_URL=http://${gateway}:8081`,
      '-e',
      `ANTHROPIC_API_KEY=${placeholder}`,
      sandboxImage,
      'sleep',
      'infinity',
    ]);
    for (const server of [allowed, denied, modelApi]) {
      await waitFor(`${server} to listen`, () => {
        try {
          docker(['exec', server, 'curl', '-sS', '-m', '2', 'http://127.0.0.1:8080/']);
          return Promise.resolve(true);
        } catch {
          return Promise.resolve(undefined);
        }
      });
    }
    await waitFor(
      'the gateway to be ready',
      () => Promise.resolve(docker(['logs', gateway]).includes('"ready":true') || undefined),
      30_000,
    );
  });

  afterAll(async () => {
    for (const name of containers.reverse()) {
      try {
        docker(['rm', '-f', name]);
      } catch {
        // Already gone.
      }
    }
    if (networkCreated) docker(['network', 'rm', network]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the agent alone: another container on its network gets neither the key nor the proxy', () => {
    const probe = [
      `curl -sS -m 5 -H 'x-api-key: ${placeholder}' http://${gateway}:8081/v1/messages && echo MODEL-ANSWERED`,
      `curl -sS -m 5 -x http://${gateway}:3128 http://${allowed}:8080/ && echo PROXY-ANSWERED`,
      'echo probed',
    ].join('; ');
    const out = docker(['exec', denied, 'sh', '-c', probe]);
    expect(out).toContain('probed');
    expect(out).not.toMatch(/ANSWERED|key=|allowed server here/);
    // The gateway's log lines go to its stderr.
    const logs = execFileSync('sh', ['-c', `docker logs ${gateway} 2>&1`], { encoding: 'utf8' });
    expect(logs).toMatch(/refused a connection from [\d.]+: only the agent may connect/);
  });

  it('runs as an unprivileged uid', () => {
    expect(docker(['exec', gateway, 'id', '-u']).trim()).toBe(String(gatewayUid));
  });

  it('lets the agent reach the allowed host and refuses the other with the request line', async () => {
    const ok = inAgent(`curl -sS -m 5 http://${allowed}:8080/`);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toContain('allowed server here');

    const refused = inAgent(`curl -sS -m 5 -w '\\nstatus=%{http_code}' http://${denied}:8080/`);
    expect(refused.stdout).toContain('status=403');
    expect(refused.stdout).toContain(`corral-request host ${denied}:8080`);
    expect(refused.stdout).not.toContain('denied server here');

    const records = await waitFor('one allowed and one denied egress record', () => {
      const all = egressRecords();
      return Promise.resolve(all.length >= 2 ? all : undefined);
    });
    expect(records.filter((r) => r.allowed).map((r) => `${r.host}:${r.port}`)).toEqual([
      `${allowed}:8080`,
    ]);
    expect(records.filter((r) => !r.allowed).map((r) => `${r.host}:${r.port}`)).toEqual([
      `${denied}:8080`,
    ]);
  });

  it('sends the real key upstream while the agent only ever holds a placeholder', () => {
    const r = inAgent(
      `curl -sS -m 10 -H "x-api-key: $ANTHROPIC_API_KEY" "$ANTHROPIC_BASE_URL/v1/models"`,
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout.trim()).toBe(`key=${realKey}`);

    expect(inAgent('env').stdout).not.toContain(realKey);
    const agentEnv = docker(['inspect', '--format', '{{json .Config.Env}}', agent]);
    expect(agentEnv).not.toContain(realKey);
    expect(agentEnv).toContain(`ANTHROPIC_API_KEY=${placeholder}`);
    // The gateway's own logs never print it either.
    expect(docker(['logs', gateway])).not.toContain(realKey);
  });

  it('applies an edit of the policy file without restarting the gateway', async () => {
    const startedAt = docker(['inspect', '--format', '{{.State.StartedAt}}', gateway]).trim();
    writePolicy([`${allowed}:8080`, `${denied}:8080`]);
    const through = await waitFor(
      'the edited policy to allow the denied host',
      () => {
        const r = inAgent(`curl -sS -m 5 -f http://${denied}:8080/`);
        return Promise.resolve(r.code === 0 ? r : undefined);
      },
      15_000,
    );
    expect(through.stdout).toContain('denied server here');
    expect(docker(['inspect', '--format', '{{.State.StartedAt}}', gateway]).trim()).toBe(startedAt);
    expect(docker(['inspect', '--format', '{{.State.Running}}', gateway]).trim()).toBe('true');
  });
});
