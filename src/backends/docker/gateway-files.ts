/**
 * What the gateway image carries from the corral package: every compiled file under
 * `dist/gateway/`, the `dist/` files they import (followed import by import, so only the
 * `dist/lib/` helpers the gateway uses go in), and the `zod` package directory from the
 * package's own dependencies. The package is built before its images; a missing
 * `dist/gateway/` is a CorralError saying to run `npm run build`. An import of any other
 * package is an internal error: the image would start and then fail to load it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { CorralError } from '../../lib/errors.js';
import { listContextFilesSync } from './build-context.js';

/** One file of the image: `path` under /opt/corral-gateway, read from `source`. */
export interface GatewayFile {
  path: string;
  source: string;
}

/** The packages the gateway may import besides `node:` modules. */
const bundledPackages = ['zod'];

const importPatterns = [
  /^\s*(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

function importsOf(code: string): string[] {
  return importPatterns.flatMap((pattern) => [...code.matchAll(pattern)].map((m) => m[1]!));
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** `dist/`-relative paths of the gateway's files and everything they import. */
function compiledFiles(distDir: string): string[] {
  const queue = listContextFilesSync(join(distDir, 'gateway'))
    .filter((file) => file.endsWith('.js'))
    .map((file) => `gateway/${file}`);
  const seen = new Set(queue);
  while (queue.length > 0) {
    const file = queue.pop()!;
    for (const specifier of importsOf(readFileSync(join(distDir, file), 'utf8'))) {
      if (specifier.startsWith('node:')) continue;
      if (!specifier.startsWith('.')) {
        if (bundledPackages.includes(packageName(specifier))) continue;
        throw new CorralError(
          'INTERNAL',
          `dist/${file} imports ${specifier}, which the gateway image does not carry.`,
        );
      }
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      if (target.startsWith('..') || !existsSync(join(distDir, target))) {
        throw new CorralError('INTERNAL', `dist/${file} imports ${specifier}, not in dist/.`, {
          hint: 'Run `npm run build` in the corral package.',
        });
      }
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return [...seen];
}

/** The directory of a package the corral package depends on, wherever npm put it. */
function packageDir(packageRoot: string, name: string): string {
  const require = createRequire(join(packageRoot, 'package.json'));
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * The files of the gateway image, sorted by path, from the corral package at `packageRoot`
 * (the directory holding `package.json`, `dist/` and `images/`).
 *
 * @example listGatewayFiles('/usr/lib/node_modules/corral')[0] // { path: 'gateway/egress-policy.js', … }
 */
export function listGatewayFiles(packageRoot: string): GatewayFile[] {
  const distDir = join(packageRoot, 'dist');
  if (!existsSync(join(distDir, 'gateway', 'main.js'))) {
    throw new CorralError(
      'IMAGE_MISSING',
      `The compiled gateway ${join(distDir, 'gateway', 'main.js')} is missing, so the gateway image cannot be built.`,
      { hint: `Run \`npm run build\` in ${packageRoot}, then build the images again.` },
    );
  }
  const files: GatewayFile[] = compiledFiles(distDir).map((path) => ({
    path,
    source: join(distDir, ...path.split('/')),
  }));
  for (const name of bundledPackages) {
    const dir = packageDir(packageRoot, name);
    for (const file of listContextFilesSync(dir)) {
      files.push({
        path: `node_modules/${name}/${file}`,
        source: join(dir, ...file.split('/')),
      });
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
