/**
 * `corral allow` / `corral deny` as they change the policy file: entries are added once in
 * a canonical spelling, removed whatever their case, refused when invalid (the file is
 * left as it was), and a missing file starts from deny-all.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allowHost, denyHost } from './policy-edit.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-policy-'));
  path = join(dir, 'policy', 'egress.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const onDisk = async () => JSON.parse(await readFile(path, 'utf8')) as unknown;

describe('allowHost / denyHost', () => {
  it('adds entries once, canonically, and removes them', async () => {
    await allowHost(path, 'Registry.NPMjs.org.');
    await allowHost(path, 'registry.npmjs.org');
    await allowHost(path, '*.GitHub.com:443');
    expect(await onDisk()).toEqual({ allow: ['registry.npmjs.org', '*.github.com:443'] });
    expect(await denyHost(path, '*.github.com:443')).toEqual({ allow: ['registry.npmjs.org'] });
    expect(await onDisk()).toEqual({ allow: ['registry.npmjs.org'] });
  });

  it('refuses an invalid entry and leaves the file alone', async () => {
    await allowHost(path, 'example.com');
    await expect(allowHost(path, '*')).rejects.toThrow(/allowing every host is refused/);
    await expect(allowHost(path, 'example.com:70000')).rejects.toThrow(/between 1 and 65535/);
    expect(await onDisk()).toEqual({ allow: ['example.com'] });
  });

  it('refuses to edit a file that is already invalid', async () => {
    await allowHost(path, 'example.com');
    await writeFile(path, '{ "allow": "oops" }');
    await expect(allowHost(path, 'other.com')).rejects.toThrow(/is invalid/);
  });
});
