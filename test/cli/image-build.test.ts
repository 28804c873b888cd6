/**
 * `corral image build --ca-cert FILE` and `--no-host-ca`, for real and cheaply: a copy of
 * the built CLI whose sandbox context carries one more comment line (so its content-hash
 * tag is its own and the engine's shared default image is never replaced) builds with
 * `--base-only`; every layer up to the certificates comes from the engine's cache. A CA
 * this test makes signs the certificate of an HTTPS server on this machine's bridge
 * address. Built with `--no-host-ca` and `--ca-cert` for that CA and the host's bundle
 * (given as a file: the build fetches Node from the npm registry, which this machine reaches
 * through a TLS proxy only that bundle trusts), the image's trust store holds exactly what
 * was given, and curl in it trusts the server; built with neither flag, it holds the host's
 * bundle alone, and curl refuses the server.
 */
import { execFile, execFileSync } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostCaBundlePath } from '../../src/backends/docker/index.js';
import { hostBridgeAddress } from '../helpers/bridge-address.js';
import { corral, makeHome } from '../helpers/cli.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');

describe('corral image build --ca-cert / --no-host-ca', () => {
  let dir: string;
  let cli: string;
  let server: Server;
  let url: string;
  /**
   * What this test built: its tag, and the images it named (a build that replaces the tag
   * leaves the one before untagged). Removed without force: an image that is also another
   * tag's (a build from cache can equal the shared default image) stays.
   */
  let ownTag = '';
  const images = new Set<string>();
  const built = async (tag: string) => {
    ownTag = tag;
    images.add((await run('docker', ['image', 'inspect', '-f', '{{.Id}}', tag])).stdout.trim());
  };

  /** Runs the copied CLI (its own images/), as a user's install would run. */
  const copied = (args: string[]) =>
    run(process.execPath, [cli, ...args], {
      env: { ...process.env, CORRAL_HOME: join(dir, 'home') },
      maxBuffer: 64 * 1024 * 1024,
    });

  /** Inside `tag`: corral's own CA files, and whether curl trusts the test's server. */
  async function inspect(tag: string): Promise<{ files: string[]; curl: string }> {
    const script = `ls /usr/local/share/ca-certificates/corral | grep '\\.crt$'; echo ---; curl -sS -m 10 ${url} 2>&1; true`;
    const { stdout } = await run('docker', [
      'run',
      '--rm',
      '--network',
      'bridge',
      tag,
      'sh',
      '-c',
      script,
    ]);
    const [files = '', curl = ''] = stdout.split('---\n');
    return { files: files.trim().split('\n').filter(Boolean), curl };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-image-ca-'));
    // The install: dist, package.json and images/, with node_modules shared.
    for (const part of ['dist', 'images', 'package.json'])
      await cp(join(root, part), join(dir, 'corral', part), { recursive: true });
    await symlink(join(root, 'node_modules'), join(dir, 'corral', 'node_modules'));
    await appendFile(
      join(dir, 'corral', 'images', 'sandbox', 'Dockerfile'),
      `# image-build.test.ts ${process.pid}\n`,
    );
    cli = join(dir, 'corral', 'dist', 'cli', 'main.js');

    // A CA of the test's own, and a server certificate it signs for the bridge address.
    const ip = hostBridgeAddress();
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=corral test CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    );
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${ip}`,
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
    );
    await writeFile(join(dir, 'san.ext'), `subjectAltName=IP:${ip}\n`);
    ssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'san.ext',
      '-out',
      'server.pem',
    );
    server = createServer(
      {
        key: await readFile(join(dir, 'server.key')),
        cert: await readFile(join(dir, 'server.pem')),
      },
      (_req, res) => res.end('hello over tls\n'),
    );
    await new Promise<void>((r) => server.listen(0, ip, r));
    url = `https://${ip}:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (ownTag) await run('docker', ['rmi', ownTag]).catch(() => undefined);
    for (const id of images) await run('docker', ['rmi', id]).catch(() => undefined);
  });

  it('trusts only the certificates given with --no-host-ca, and the host bundle without it', async () => {
    const own = await copied([
      'image',
      'build',
      '--base-only',
      '--ca-cert',
      join(dir, 'ca.pem'),
      '--ca-cert',
      hostCaBundlePath,
      '--no-host-ca',
      '--json',
    ]);
    const tag = (JSON.parse(own.stdout) as { base: string; agents: null }).base;
    await built(tag);
    // Its own tag: the engine's shared default image is left as it is.
    const shared = execFileSync(
      process.execPath,
      [
        '-e',
        `import('${join(root, 'dist', 'backends', 'docker', 'index.js')}').then(m => console.log(m.getDefaultImageTag(m.findImagesDir())))`,
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(tag).toMatch(/^corral-sandbox:[0-9a-f]{12}$/);
    expect(tag).not.toBe(shared);

    const bundle = await readFile(hostCaBundlePath, 'utf8');
    const inBundle = bundle.match(/BEGIN CERTIFICATE/g)?.length ?? -1;
    const withCa = await inspect(tag);
    // The given files' certificates, each once: the test's CA and the bundle's.
    expect(withCa.files).toHaveLength(1 + inBundle);
    expect(withCa.files.every((f) => /^extra-\d{4}\.crt$/.test(f))).toBe(true);
    expect(withCa.curl).toBe('hello over tls\n');

    const host = await copied(['image', 'build', '--base-only', '--json']);
    expect((JSON.parse(host.stdout) as { base: string }).base).toBe(tag);
    await built(tag);
    const withHost = await inspect(tag);
    expect(withHost.files).toHaveLength(inBundle);
    expect(withHost.curl).toMatch(/SSL certificate problem|certificate/);
    expect(withHost.curl).not.toContain('hello over tls');
  });

  it('refuses a --ca-cert file with no certificate in it: exit 2, naming it', async () => {
    const notPem = join(dir, 'not-a-cert.txt');
    await writeFile(notPem, 'hello\n');
    const r = await corral(await makeHome(), [
      'image',
      'build',
      '--base-only',
      '--ca-cert',
      notPem,
      '--no-host-ca',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      `corral: ${notPem} holds no PEM certificate. Pass a file with -----BEGIN CERTIFICATE----- blocks.`,
    );
  });
});
