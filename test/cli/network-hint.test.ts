/**
 * A run that fails for want of network says which hosts it tried and how to allow them.
 * Without network (docker, no --allow-host) the hosts come from the tools' own error
 * lines: a real `npm install` that cannot resolve the registry. Behind the gateway they
 * come from its egress log: curl through the proxy to a registry the allowlist does not
 * hold is denied at the gateway, and the kept instance is told how to allow it and go on.
 * The presets (`--allow pypi`, `corral allow <id> npm`) put their hosts in the allowlist.
 *
 * No traffic leaves the machine: a sandbox without network has no interface but loopback,
 * and the gateway denies a host off the allowlist without connecting anywhere
 * (example.test, the one host allowed, only makes the instance fenced; nothing calls it).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

interface Outcome {
  id: string;
  status: string;
  network: string;
  summary: { unreachableHosts: string[] };
  networkHint: {
    reason: string;
    hosts: string[];
    runOptions: string[];
    allowCommand: string | null;
    text: string;
  } | null;
}

describe('the network hint', () => {
  // The sidecar of this corral (its files' tag) for the fenced runs; a cache hit once built.
  beforeAll(() => buildGatewayImage(), 600_000);

  it('names the registry npm could not reach in a sandbox without network, and the preset', async () => {
    const repo = await makeRepo({
      'package.json': JSON.stringify({ name: 'app', version: '1.0.0' }),
    });
    const home = await makeHome();
    // --fetch-retries=0: the same failure as npm's default, without a minute of retries.
    const r = await corral(
      home,
      ['run', '--', 'sh', '-c', 'npm install left-pad --fetch-retries=0'],
      { cwd: repo.dir },
    );
    expect(r.code).toBe(1);
    // The tool's own words are there, and the summary ends with what to do about them.
    expect(r.stderr).toContain('getaddrinfo EAI_AGAIN registry.npmjs.org');
    expect(r.stderr).toContain(
      'it could not reach registry.npmjs.org (this sandbox has no network); run it again with --allow npm',
    );
    const id = /corral: (shell-[0-9a-z]+) on docker/.exec(r.stderr)?.[1] ?? '';
    const m = JSON.parse(await readFile(join(home, 'instances', id, 'metadata.json'), 'utf8')) as {
      summary: { unreachableHosts: string[] };
    };
    expect(m.summary.unreachableHosts).toEqual(['registry.npmjs.org']);
  });

  it("names the host sandbox-runtime refused on the local backend, from npm's own words", async () => {
    const repo = await makeRepo({
      'package.json': JSON.stringify({ name: 'app', version: '1.0.0' }),
    });
    const home = await makeHome();
    // A .test registry: nothing would answer even if the fence let it through.
    const r = await corral(
      home,
      [
        ...['run', '--backend', 'local', '--json', '--', 'sh', '-c'],
        'npm install left-pad --fetch-retries=0 --registry https://registry.example.test/',
      ],
      { cwd: repo.dir },
    );
    const out = r.json<Outcome>();
    expect(out.status, r.stderr).toBe('failed');
    // The proxy refused it (no DNS failure: the name was never looked up).
    expect(r.stderr).toContain('403 Forbidden - GET https://registry.example.test/left-pad');
    expect(out.networkHint).toMatchObject({
      reason: 'no-network',
      hosts: ['registry.example.test'],
      runOptions: ['--allow-host registry.example.test'],
    });
  });

  it('names the host the egress policy refused, from the egress log, and how to allow it', async () => {
    const repo = await makeRepo();
    const home = await makeHome();
    const r = await corral(
      home,
      [
        'run',
        '--allow-host',
        'example.test',
        '--keep',
        '--json',
        '--',
        'sh',
        '-c',
        'curl -sS -m 20 https://registry.npmjs.org/left-pad',
      ],
      { cwd: repo.dir },
    );
    const out = r.json<Outcome>();
    expect(out.status, r.stderr).toBe('failed');
    expect(out.network).toBe('open');
    // The gateway refused it (curl saw the proxy's answer, not a DNS failure).
    expect(r.stderr).toMatch(/CONNECT tunnel failed, response 403/);
    const egress = await readFile(join(home, 'instances', out.id, 'egress.log'), 'utf8');
    expect(egress).toContain('"host":"registry.npmjs.org"');
    expect(out.networkHint).toEqual({
      reason: 'egress-policy',
      hosts: ['registry.npmjs.org'],
      runOptions: ['--allow npm'],
      allowCommand: `corral allow ${out.id} npm && corral resume ${out.id}`,
      text: `it could not reach registry.npmjs.org (refused by the egress policy); allow and go on: corral allow ${out.id} npm && corral resume ${out.id}; or run it again with --allow npm`,
    });

    // The hint's command does what it says to the kept instance's allowlist.
    const allowed = await corral(home, ['allow', out.id, 'npm', '--json']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.json<{ allow: string[] }>().allow).toEqual([
      'example.test',
      'registry.npmjs.org',
      'registry.yarnpkg.com',
    ]);
    const denied = await corral(home, ['deny', out.id, 'npm', '--json']);
    expect(denied.json<{ allow: string[] }>().allow).toEqual(['example.test']);
    expect((await corral(home, ['rm', out.id])).code).toBe(0);
  });

  it('starts a run with a preset’s hosts allowed, and refuses a name that is not one', async () => {
    const repo = await makeRepo();
    const home = await makeHome();
    const r = await corral(home, ['run', '--allow', 'pypi', '--json', '--', 'true'], {
      cwd: repo.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const policy = await corral(home, ['policy', r.json<Outcome>().id, '--json']);
    expect(policy.json<{ allow: string[]; network: string }>()).toMatchObject({
      network: 'open',
      allow: ['pypi.org', 'files.pythonhosted.org'],
    });

    const bad = await corral(home, ['run', '--allow', 'registry.npmjs.org', '--', 'true'], {
      cwd: repo.dir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--allow 'registry.npmjs.org' is not a preset.");
    expect(bad.stderr).toContain('--allow-host <host>');
  });
});
