/**
 * A stand-in for the npm registry at https://registry.npmjs.org: the packument of each
 * package it holds and its tarball, served over TLS with a certificate for that name (the
 * test's own CA signs it). Run in a container whose network alias is registry.npmjs.org
 * (stand-in-container.ts), it is what `npm install` reaches when the name is allowed, with
 * no traffic leaving the machine. Imports only `node:` modules, so the container's Node
 * runs it transpiled.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface NpmRegistryScript {
  /** PEM certificate and key for registry.npmjs.org. */
  cert: string;
  key: string;
  packages: Array<{ name: string; version: string; tarballBase64: string }>;
}

export interface RegistryRequest {
  method: string;
  path: string;
}

const origin = 'https://registry.npmjs.org';

export async function startNpmRegistryStandIn(options: {
  script: NpmRegistryScript;
  host: string;
  port: number;
}): Promise<{ url: string; requests: RegistryRequest[] }> {
  const requests: RegistryRequest[] = [];
  const files = new Map<string, Buffer>();
  const packuments = new Map<string, unknown>();
  for (const p of options.script.packages) {
    const tarball = Buffer.from(p.tarballBase64, 'base64');
    const path = `/${p.name}/-/${p.name}-${p.version}.tgz`;
    files.set(path, tarball);
    packuments.set(`/${p.name}`, {
      name: p.name,
      'dist-tags': { latest: p.version },
      versions: {
        [p.version]: {
          name: p.name,
          version: p.version,
          dist: {
            tarball: `${origin}${path}`,
            shasum: createHash('sha1').update(tarball).digest('hex'),
            integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
          },
        },
      },
    });
  }
  const server = createServer(
    { cert: options.script.cert, key: options.script.key },
    (req, res) => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
      requests.push({ method: req.method ?? 'GET', path });
      const tarball = files.get(path);
      if (tarball) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(tarball);
        return;
      }
      const packument = packuments.get(path);
      res.writeHead(packument ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(packument ?? { error: 'Not found' }));
    },
  );
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `https://${options.host}:${port}`, requests };
}
