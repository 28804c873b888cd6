import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { splitPemCertificates, writeCaCerts } from './ca-certs.js';

const pem = (body: string): string =>
  `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;

describe('CA certificates for image builds', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-certs-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('splits a bundle into one certificate per file', async () => {
    const bundle = join(dir, 'bundle.pem');
    await writeFile(bundle, `# comment\n${pem('AAAA')}\n\n${pem('BBBB')}\n`);
    expect(splitPemCertificates(`${pem('AAAA')}${pem('BBBB')}`)).toHaveLength(2);
    const out = join(dir, 'certs');
    await mkdir(out);
    expect(await writeCaCerts(out, [bundle])).toBe(2);
    const names = (await readdir(out)).sort();
    expect(names).toEqual(['extra-0000.crt', 'extra-0001.crt']);
    expect(await readFile(join(out, 'extra-0001.crt'), 'utf8')).toBe(`${pem('BBBB')}\n`);
  });

  it('refuses a file without a certificate', async () => {
    const empty = join(dir, 'empty.pem');
    await writeFile(empty, 'nothing here\n');
    await expect(writeCaCerts(dir, [empty])).rejects.toMatchObject({ code: 'USAGE' });
  });
});
