/**
 * Live egress policy on the local backend: a running instance that is refused a host is
 * let through by `corral allow` without a restart, and `corral deny` takes it back. The
 * host is a server on this machine's loopback, the only place the test sends traffic. A
 * docker instance started without network has no gateway to tell: `allow` refuses it.
 * (Live allow/deny on a fenced docker instance: test/security/fence-escape.test.ts.)
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, makeHome, waitFor, waitForEnd } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

describe('corral allow / deny / policy (local)', () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end('registry here\n');
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('lets a running instance through the moment it is allowed; deny takes the host off the list', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    // Try once a quarter second (bounded: 240 tries, about a minute); stop after two successes.
    const loop = `ok=0; for i in $(seq 1 240); do if curl -sS -m 2 http://127.0.0.1:${port}/ 2>&1 | grep -q 'registry here'; then echo reached; ok=$((ok+1)); [ $ok -ge 2 ] && break; else echo refused; fi; sleep 0.25; done`;
    const started = await corral(
      home,
      ['run', '--backend', 'local', '-d', '--', 'sh', '-c', loop],
      { cwd: repo.dir },
    );
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const output = () =>
      readFile(join(home, 'instances', id, 'output.log'), 'utf8').catch(() => '');
    await waitFor('a refusal', async () =>
      (await output()).includes('refused') ? true : undefined,
    );
    expect(hits).toBe(0);

    const before = await corral(home, ['policy', id, '--json']);
    expect(before.json<{ allow: string[] }>().allow).toEqual([]);
    const allowed = await corral(home, ['allow', id, `127.0.0.1:${port}`, '--json']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.json()).toMatchObject({ allow: [`127.0.0.1:${port}`] });
    await waitForEnd(home, id);
    expect(await output()).toContain('reached');
    expect(hits).toBeGreaterThanOrEqual(2);

    const denied = await corral(home, ['deny', id, `127.0.0.1:${port}`, '--json']);
    expect(denied.json()).toMatchObject({ allow: [] });
  });

  it('starts with --allow-host, and refuses a malformed host with exit 2', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(
      home,
      [
        'run',
        '--backend',
        'local',
        '--allow-host',
        `127.0.0.1:${port}`,
        '--json',
        '--',
        'sh',
        '-c',
        `curl -sS -m 3 http://127.0.0.1:${port}/`,
      ],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('registry here');
    const bad = await corral(
      home,
      ['run', '--backend', 'local', '--allow-host', 'https://x.com/path', '--', 'true'],
      { cwd: repo.dir },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--allow-host 'https://x.com/path'");
  });
});

describe('corral allow on a docker instance without network', () => {
  it('says it has no way out to open, exit 2, and changes nothing', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const run = await corral(home, ['run', '--backend', 'docker', '--json', '--', 'true'], {
      cwd: repo.dir,
    });
    expect(run.code, run.stderr).toBe(0);
    const id = run.json<{ id: string }>().id;
    const allow = await corral(home, ['allow', id, 'registry.npmjs.org']);
    expect(allow.code).toBe(2);
    expect(allow.stderr).toContain('has no network at all, so no host can be allowed');
    expect(allow.stderr).toContain('--allow-host');
    const policy = await corral(home, ['policy', id, '--json']);
    expect(policy.json<{ allow: string[]; network: string }>()).toMatchObject({
      allow: [],
      network: 'none',
    });
  });
});
