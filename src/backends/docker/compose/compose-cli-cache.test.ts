import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectComposeCliCached } from './compose-cli-cache.js';

describe('detectComposeCliCached', () => {
  it('answers from a fresh file with the same key, and finds anew when the key changed', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'corral-compose-cache-')), 'compose-cli.json');
    const env = { PATH: '/usr/bin:/bin' };
    // A remembered answer the machine could not give: proof it came from the file.
    const remembered = { argv: ['docker', 'compose'], version: '9.9.9', generation: 2 };
    await writeFile(
      file,
      JSON.stringify({ key: '/usr/bin:/bin||', at: Date.now(), cli: remembered }),
    );
    expect(await detectComposeCliCached(file, { env })).toEqual(remembered);
    // Another PATH: found again on this machine (whatever it has, not the remembered 9.9.9).
    const again = await detectComposeCliCached(file, { env: { PATH: '/elsewhere' } }).catch(
      (error: Error) => error,
    );
    if (again instanceof Error) expect(again.message).toMatch(/No Compose CLI found/);
    else expect(again.version).not.toBe('9.9.9');
  });

  it('never takes an argv from the file other than the two Compose commands', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'corral-compose-cache-')), 'compose-cli.json');
    const env = { PATH: process.env.PATH ?? '' };
    await writeFile(
      file,
      JSON.stringify({
        key: `${env.PATH}||`,
        at: Date.now(),
        cli: { argv: ['sh', '-c', 'touch /tmp/pwned'], version: '1.0.0', generation: 1 },
      }),
    );
    const cli = await detectComposeCliCached(file, { env });
    expect(['docker compose', 'docker-compose']).toContain(cli.argv.join(' '));
    expect((JSON.parse(await readFile(file, 'utf8')) as { cli: unknown }).cli).toEqual(cli);
  });
});
