/**
 * The egress proxy as a sandboxed client meets it, through curl and through Node's fetch
 * (undici's ProxyAgent, what Node uses for HTTP(S)_PROXY): allowed hosts are reached,
 * others get 403 with how to ask for them, every attempt lands in the egress log, and
 * edits of the live policy file apply to new connections without a restart or dropping
 * an open tunnel.
 *
 * Traffic stays on loopback: the proxy's resolver hook maps names ending in `.test` to
 * 127.0.0.1 and refuses every other name, so nothing here can leave the machine. Since a
 * name may lead to loopback only when that address is allowed too, the policy lists the
 * target's own `127.0.0.1:port` beside the names; the last test shows what happens
 * without it.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  allowHost,
  denyHost,
  isHostAllowed,
  startEgressProxy,
  watchEgressPolicy,
  writeEgressPolicy,
  type EgressProxy,
  type EgressRecord,
  type PolicyWatcher,
} from '../../src/gateway/index.js';
import { exec } from '../../src/lib/exec.js';

let dir: string;
let target: Server;
let targetPort: number;
let policy: PolicyWatcher;
let proxy: EgressProxy;
let records: EgressRecord[];
let changes: number;
let errors: string[];

const loopbackOnly = (host: string): Promise<string> =>
  host.endsWith('.test')
    ? Promise.resolve('127.0.0.1')
    : Promise.reject(new Error(`test resolver: ${host} is not a .test name`));

/** The target's own address, which a `.test` name resolves to. */
const loopbackTarget = () => `127.0.0.1:${targetPort}`;

/** Resolves once the watcher has applied `count` changes in all, or fails after 5 s. */
async function policyChanges(count: number): Promise<void> {
  for (let i = 0; i < 100 && changes < count; i++) await new Promise((r) => setTimeout(r, 50));
  expect(changes).toBeGreaterThanOrEqual(count);
}

function curl(args: string[]) {
  // A bare environment: no proxy variables of the host leak in.
  return exec('curl', ['-sS', '--max-time', '10', '-x', proxy.url, ...args], {
    env: { PATH: process.env.PATH },
    allowFailure: true,
  });
}

async function egressLog(): Promise<EgressRecord[]> {
  const text = await readFile(join(dir, 'egress.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as EgressRecord);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-egress-'));
  target = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from ${req.headers.host}${req.url}`);
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  targetPort = (target.address() as AddressInfo).port;
  const policyPath = join(dir, 'policy', 'egress.json');
  await writeEgressPolicy(policyPath, { allow: [`allowed.test:${targetPort}`, loopbackTarget()] });
  records = [];
  changes = 0;
  errors = [];
  policy = await watchEgressPolicy({
    path: policyPath,
    pollMs: 200,
    onChange: () => changes++,
    onError: (message) => errors.push(message),
  });
  proxy = await startEgressProxy({
    allows: (host, port) => isHostAllowed(policy.current().allow, host, port),
    resolve: loopbackOnly,
    logPath: join(dir, 'egress.log'),
    onRecord: (record) => records.push(record),
  });
});

afterEach(async () => {
  await proxy.close();
  await policy.close();
  target.closeAllConnections();
  await new Promise<void>((resolve) => target.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('egress proxy', () => {
  it('forwards plain HTTP and CONNECT to an allowed host, with curl', async () => {
    const plain = await curl([`http://allowed.test:${targetPort}/plain`]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toBe(`hello from allowed.test:${targetPort}/plain`);

    const tunnelled = await curl(['--proxytunnel', `http://allowed.test:${targetPort}/tunnel`]);
    expect(tunnelled.exitCode).toBe(0);
    expect(tunnelled.stdout).toBe(`hello from allowed.test:${targetPort}/tunnel`);

    await proxy.close();
    const log = await egressLog();
    expect(log).toEqual(records);
    expect(log.map((r) => [r.kind, r.host, r.port, r.allowed])).toEqual([
      ['http', 'allowed.test', targetPort, true],
      ['connect', 'allowed.test', targetPort, true],
    ]);
    for (const r of log) {
      expect(r.bytesUp).toBeGreaterThanOrEqual(0);
      expect(r.bytesDown).toBeGreaterThan(0);
    }
    // The tunnel carries the whole exchange: the request went up, more than the body came down.
    expect(log[1]?.bytesUp).toBeGreaterThan(0);
  });

  it('refuses a host that is not allowed with 403 and says how to ask for it, with curl', async () => {
    const plain = await curl([
      '-o',
      '-',
      '-w',
      '\n%{http_code}',
      `http://denied.test:${targetPort}/`,
    ]);
    expect(plain.stdout.trim().split('\n').at(-1)).toBe('403');
    expect(plain.stdout).toContain(`corral-request host denied.test:${targetPort}`);

    const tunnel = await curl(['--proxytunnel', `http://denied.test:${targetPort}/`]);
    expect(tunnel.exitCode).not.toBe(0);
    expect(tunnel.stderr).toContain('403');

    // The right host on another port is not the allowed entry either.
    const otherPort = await curl(['--proxytunnel', `http://allowed.test:${targetPort + 1}/`]);
    expect(otherPort.stderr).toContain('403');

    await proxy.close();
    expect((await egressLog()).map((r) => [r.kind, r.host, r.allowed, r.status])).toEqual([
      ['http', 'denied.test', false, 403],
      ['connect', 'denied.test', false, 403],
      ['connect', 'allowed.test', false, 403],
    ]);
  });

  it('reaches an allowed host and refuses a denied one, with Node fetch through a ProxyAgent', async () => {
    const dispatcher = new ProxyAgent(proxy.url);
    try {
      const ok = await fetch(`http://allowed.test:${targetPort}/fetch`, {
        dispatcher,
      });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe(`hello from allowed.test:${targetPort}/fetch`);

      // undici reports a refused tunnel as a failed fetch (the 403 is in the egress log).
      const denied = await fetch(`http://denied.test:${targetPort}/`, {
        dispatcher,
      }).then(
        () => 'reached',
        () => 'refused',
      );
      expect(denied).toBe('refused');
    } finally {
      await dispatcher.close();
    }
    await proxy.close();
    // A record is written when its connection ends: the kept-alive tunnel ended last.
    expect((await egressLog()).map((r) => [r.host, r.allowed, r.status]).sort()).toEqual([
      ['allowed.test', true, null],
      ['denied.test', false, 403],
    ]);
  });

  it('applies policy edits to new connections without a restart, keeping open tunnels', async () => {
    const policyPath = join(dir, 'policy', 'egress.json');
    const later = `http://later.test:${targetPort}/`;
    expect((await curl(['--proxytunnel', later])).stderr).toContain('403');

    await allowHost(policyPath, `later.test:${targetPort}`);
    await policyChanges(2);
    const allowed = await curl(['--proxytunnel', later]);
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stdout).toBe(`hello from later.test:${targetPort}/`);

    // Open a tunnel, then deny its host: the tunnel lives on, new connections are refused.
    const socket = connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `CONNECT later.test:${targetPort} HTTP/1.1\r\nHost: later.test:${targetPort}\r\n\r\n`,
    );
    const [established] = (await once(socket, 'data')) as [Buffer];
    expect(established.toString()).toContain('200');

    await denyHost(policyPath, `later.test:${targetPort}`);
    await policyChanges(3);
    expect((await curl(['--proxytunnel', later])).stderr).toContain('403');

    socket.write(`GET /still-open HTTP/1.1\r\nHost: later.test\r\nConnection: close\r\n\r\n`);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await once(socket, 'end');
    expect(Buffer.concat(chunks).toString()).toContain('hello from later.test/still-open');
    socket.destroy();
  });

  it('keeps the last good policy when the file becomes invalid, and reports it', async () => {
    const policyPath = join(dir, 'policy', 'egress.json');
    await writeFile(policyPath, '{ "allow": ["*"] }');
    for (let i = 0; i < 100 && errors.length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(errors[0]).toContain('allowing every host is refused');
    expect(policy.current().allow).toEqual([`allowed.test:${targetPort}`, loopbackTarget()]);
    expect((await curl([`http://allowed.test:${targetPort}/`])).stdout).toContain('hello');
    expect(
      (await curl(['-w', '%{http_code}', '-o', '/dev/null', `http://other.test:${targetPort}/`]))
        .stdout,
    ).toBe('403');
  });

  it('refuses an allowed name that resolves to loopback unless that address is allowed too', async () => {
    const policyPath = join(dir, 'policy', 'egress.json');
    await writeEgressPolicy(policyPath, { allow: [`rebind.test:${targetPort}`] });
    await policyChanges(2);
    const rebound = `http://rebind.test:${targetPort}/`;
    const plain = await curl(['-o', '-', '-w', '\n%{http_code}', rebound]);
    expect(plain.stdout.trim().split('\n').at(-1)).toBe('403');
    expect(plain.stdout).toContain(`rebind.test resolves to 127.0.0.1 (loopback)`);
    const tunnel = await curl(['--proxytunnel', rebound]);
    expect(tunnel.exitCode).not.toBe(0);
    expect(tunnel.stderr).toContain('403');

    await allowHost(policyPath, loopbackTarget());
    await policyChanges(3);
    expect((await curl(['--proxytunnel', rebound])).stdout).toBe(
      `hello from rebind.test:${targetPort}/`,
    );

    await proxy.close();
    const refusal = 'rebind.test resolves to 127.0.0.1 (loopback)';
    expect(
      (await egressLog()).map((r) => [r.kind, r.allowed, r.status, r.reason?.startsWith(refusal)]),
    ).toEqual([
      ['http', false, 403, true],
      ['connect', false, 403, true],
      ['connect', true, null, undefined],
    ]);
  });
});
