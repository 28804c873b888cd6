/**
 * What goes into the gateway image from a package on disk: the compiled gateway and only
 * the dist/ files it imports, zod, and a clear error for an unbuilt package or a package
 * dependency the image would not carry.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listGatewayFiles } from './gateway-files.js';

describe('listGatewayFiles', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function fakePackage(files: Record<string, string>): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'corral-gateway-files-'));
    dirs.push(root);
    await writeFile(join(root, 'package.json'), '{"name":"fake","type":"module"}');
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), text);
    }
    return root;
  }

  it('says to run `npm run build` when the gateway is not compiled', async () => {
    const root = await fakePackage({});
    expect(() => listGatewayFiles(root)).toThrow(/gateway\/main\.js is missing/);
    try {
      listGatewayFiles(root);
    } catch (error) {
      expect((error as { hint?: string }).hint).toContain('npm run build');
    }
  });

  it('carries the gateway, the lib files it imports (only those) and zod', async () => {
    const root = await fakePackage({
      'dist/gateway/main.js': "import { a } from '../lib/a.js';\nimport { z } from 'zod';\n",
      'dist/gateway/main.js.map': '{}',
      'dist/lib/a.js': "import { b } from './b.js';\nimport { readFile } from 'node:fs';\n",
      'dist/lib/b.js': 'export const b = 1;\n',
      'dist/lib/unused.js': 'export const u = 1;\n',
      'node_modules/zod/package.json': '{"name":"zod"}',
      'node_modules/zod/index.js': 'export const z = {};\n',
    });
    expect(listGatewayFiles(root).map((f) => f.path)).toEqual([
      'gateway/main.js',
      'lib/a.js',
      'lib/b.js',
      'node_modules/zod/index.js',
      'node_modules/zod/package.json',
    ]);
  });

  it('refuses a package the image would not carry', async () => {
    const root = await fakePackage({
      'dist/gateway/main.js': "import x from 'left-pad';\n",
      'node_modules/zod/package.json': '{"name":"zod"}',
    });
    expect(() => listGatewayFiles(root)).toThrow(/imports left-pad/);
  });
});
