/**
 * `--allow npm` is what `npm install` needs: a fenced run given the preset installs a
 * package from registry.npmjs.org through the gateway, and the same run without it is
 * refused at the gateway and told to add `--allow npm`. The registry is a stand-in in a
 * container on a Docker network the test made (internal: no route off the machine),
 * answering to the name registry.npmjs.org with a certificate for it from the test's own
 * CA, which the repository carries and npm is pointed at (`--cafile`). The gateway's way
 * out is that network (CORRAL_DOCKER_NETWORK), so the real registry is never reached.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildGatewayImage,
  findImagesDir,
  getDefaultImageTag,
} from '../../src/backends/docker/index.js';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  createTestNetwork,
  startStandInContainer,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import type { RegistryRequest } from '../helpers/stand-in/npm-registry-stand-in.js';

const tag = `${process.pid}-npm`;
const probe = { name: 'corral-probe', version: '1.0.0' };
const tarballPath = `/${probe.name}/-/${probe.name}-${probe.version}.tgz`;
// npm's own retries would only slow the refused run down.
const install = [
  'npm install --cafile="$PWD/ca.pem" --fetch-retries=0 --no-audit',
  `node -p "require('${probe.name}')" > probe.txt`,
].join(' && ');

interface Outcome {
  id: string;
  status: string;
  exitCode: number | null;
  network: string;
  branch: string;
  networkHint: { hosts: string[]; runOptions: string[] } | null;
}

/** A CA and a certificate for registry.npmjs.org signed by it, made with openssl. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2'],
    ...['-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=corral test CA'],
  );
  openssl(
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key'],
    ...['-out', 'server.csr', '-subj', '/CN=registry.npmjs.org'],
  );
  execFileSync('sh', ['-c', 'printf "subjectAltName=DNS:registry.npmjs.org\\n" > san.ext'], {
    cwd: dir,
  });
  openssl(
    ...['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key'],
    ...['-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.pem'],
  );
  const read = (name: string) => execFileSync('cat', [join(dir, name)], { encoding: 'utf8' });
  return { ca: read('ca.pem'), cert: read('server.pem'), key: read('server.key') };
}

/** The probe package as npm packs it: package/package.json and package/index.js. */
async function makeTarball(dir: string): Promise<string> {
  await mkdir(join(dir, 'package'));
  await writeFile(join(dir, 'package', 'package.json'), JSON.stringify({ ...probe }));
  await writeFile(
    join(dir, 'package', 'index.js'),
    "module.exports = 'installed from the registry stand-in';\n",
  );
  execFileSync('tar', ['-czf', 'probe.tgz', 'package'], { cwd: dir });
  return execFileSync('base64', ['-w0', join(dir, 'probe.tgz')], { encoding: 'utf8' });
}

describe('--allow npm (docker, fenced, a registry stand-in on a network the test made)', () => {
  let scratch: string;
  let network: ReturnType<typeof createTestNetwork>;
  let registry: StandInContainer<RegistryRequest>;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let kept = '';

  beforeAll(async () => {
    // The sidecar of this corral (its files' tag); a layer-cache hit once built.
    await buildGatewayImage();
    scratch = await mkdtemp(join(tmpdir(), 'corral-npm-'));
    const certs = makeCertificates(scratch);
    const tarballBase64 = await makeTarball(scratch);
    network = createTestNetwork(`corral-test-${tag}`);
    registry = await startStandInContainer<RegistryRequest>({
      module: join(import.meta.dirname, '..', 'helpers', 'stand-in', 'npm-registry-stand-in.ts'),
      startExport: 'startNpmRegistryStandIn',
      image: getDefaultImageTag(findImagesDir()),
      network: network.name,
      name: `corral-registry-${tag}`,
      port: 443,
      aliases: ['registry.npmjs.org'],
      script: { cert: certs.cert, key: certs.key, packages: [{ ...probe, tarballBase64 }] },
    });
    repo = await makeRepo({
      '.gitignore': 'node_modules/\n',
      'ca.pem': certs.ca,
      'package.json': JSON.stringify({
        name: 'app',
        version: '1.0.0',
        dependencies: { [probe.name]: probe.version },
      }),
    });
    home = await makeHome();
    env = { CORRAL_DOCKER_NETWORK: network.name };
  }, 600_000);

  afterAll(async () => {
    if (kept) await corral(home, ['rm', '--force', kept]);
    registry?.close();
    network?.remove();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('is refused at the gateway without the preset, and the hint names it', async () => {
    // Fenced (behind the gateway, on the same network) but allowed only a host nothing calls.
    const r = await corral(
      home,
      ['run', '--allow-host', 'example.test', '--json', '--', 'sh', '-c', install],
      { cwd: repo.dir, env },
    );
    const out = r.json<Outcome>();
    expect(out.status, r.stderr).toBe('failed');
    expect(out.network).toBe('open');
    expect(r.stderr).toContain('registry.npmjs.org');
    expect(out.networkHint).toMatchObject({
      hosts: ['registry.npmjs.org'],
      runOptions: ['--allow npm'],
    });
    expect(registry.requests()).toEqual([]);
  });

  it('lets npm install reach registry.npmjs.org through the gateway', async () => {
    const r = await corral(
      home,
      ['run', '--allow', 'npm', '--keep', '--json', '--', 'sh', '-c', install],
      {
        cwd: repo.dir,
        env,
      },
    );
    // Kept (to read its policy afterwards); afterAll removes it whatever happens here.
    kept = /"id":\s*"([^"]+)"/.exec(r.stdout)?.[1] ?? '';
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    expect(out).toMatchObject({ status: 'succeeded', network: 'open', networkHint: null });
    expect(repo.show(out.branch, 'probe.txt')).toBe('installed from the registry stand-in\n');
    // The stand-in served the packument and the tarball, and the gateway let them through.
    expect(registry.requests()).toEqual(
      expect.arrayContaining([
        { method: 'GET', path: `/${probe.name}` },
        { method: 'GET', path: tarballPath },
      ]),
    );
    const egress = await readFile(join(home, 'instances', out.id, 'egress.log'), 'utf8');
    const decisions = egress
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { host: string; allowed: boolean });
    expect(decisions.filter((d) => d.host === 'registry.npmjs.org')).not.toEqual([]);
    expect(decisions.every((d) => d.allowed)).toBe(true);
    // The preset is exactly its hosts in the instance's allowlist.
    const policy = await corral(home, ['policy', out.id, '--json']);
    expect(policy.json<{ allow: string[] }>().allow).toEqual([
      'registry.npmjs.org',
      'registry.yarnpkg.com',
    ]);
  });
});
