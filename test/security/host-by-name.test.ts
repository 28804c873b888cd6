/**
 * Escape attempt: reach the developer's machine through an allowed NAME. The allowlist
 * decides by name, so a name that leads to the host (here `host.docker.internal`, which
 * the gateway maps to the host; in the wild, any name whose DNS its owner points there)
 * must not open the host's services to the sandbox. A server listens on the host's
 * address on Docker's default bridge (the machine itself: nothing leaves it); a fenced
 * instance allowed `host.docker.internal:<port>` is refused with a line that says why,
 * the server sees nothing, and the refusal is an `egress` event. Allowing the address
 * itself, an explicit choice, lets the same command through.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostBridgeAddress } from '../helpers/bridge-address.js';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

const bridgeGateway = hostBridgeAddress();

describe('an allowed name that leads to the host (docker, fenced)', () => {
  let hits = 0;
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end('a service on the host\n');
    });
    await new Promise<void>((r) => server.listen(0, bridgeGateway, r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const fetchHost = () =>
    `curl -sS -m 10 http://host.docker.internal:${port}/; curl -sS -m 10 -p http://host.docker.internal:${port}/; true`;

  it('is refused, says why, and reaches nothing', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(
      home,
      [
        'run',
        '--allow-host',
        `host.docker.internal:${port}`,
        '--json',
        '--',
        'sh',
        '-c',
        fetchHost(),
      ],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `host.docker.internal resolves to ${bridgeGateway} (this machine's own address or its gateway)`,
    );
    expect(r.stderr).not.toContain('a service on the host');
    expect(hits).toBe(0);
    const { id } = r.json<{ id: string }>();
    const egress = (
      await readEvents<{ type: string; kind: string; allowed: boolean; reason: string }>(home, id)
    ).filter((e) => e.type === 'egress');
    expect(egress.map((e) => [e.kind, e.allowed])).toEqual([
      ['http', false],
      ['connect', false],
    ]);
    expect(egress[0]?.reason).toContain(`resolves to ${bridgeGateway}`);
    // corral policy lists the attempts and why they were refused.
    const policy = await corral(home, ['policy', id]);
    expect(policy.stdout).toMatch(
      new RegExp(
        `host\\.docker\\.internal +${port} +DENIED +2 .*resolves to ${bridgeGateway.replaceAll('.', '\\.')}`,
      ),
    );
  });

  it('is reached when the address itself is allowed too', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(
      home,
      [
        'run',
        '--allow-host',
        `host.docker.internal:${port}`,
        '--allow-host',
        `${bridgeGateway}:${port}`,
        '--json',
        '--',
        'sh',
        '-c',
        fetchHost(),
      ],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/a service on the host/g)).toHaveLength(2);
    expect(hits).toBe(2);
  });
});
