/**
 * Many fenced instances at once: the engine's default address pools hold about 30
 * networks, and each fenced instance has one of its own. With the pools used up by
 * networks this test makes, fenced instances still start, in parallel: their internal
 * networks take /28s of 198.18.0.0/15, and their gateways share `corral-outbound`.
 * Nothing is dialled; the commands only print their addresses.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

describe('fenced instances with the default address pools used up', () => {
  const made: string[] = [];

  afterAll(() => {
    for (const name of made) docker('network', 'rm', name);
  });

  it('start in parallel on subnets of their own, their gateways on one shared network', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const run = () =>
      corral(
        home,
        ['run', '--allow-host', 'example.test', '--json', '--', 'sh', '-c', 'hostname -i'],
        { cwd: repo.dir },
      );
    // The first one makes corral-outbound, if this engine has none yet.
    const first = await run();
    expect(first.code, first.stderr).toBe(0);

    // Use up the default pools (bounded: a default engine has about 30).
    let exhausted = false;
    for (let i = 0; i < 64 && !exhausted; i++) {
      const name = `corral-test-pool-${process.pid}-${i}`;
      try {
        docker('network', 'create', '--internal', name);
        made.push(name);
      } catch (error) {
        expect(String((error as { stderr?: string }).stderr)).toMatch(/address pool/);
        exhausted = true;
      }
    }
    expect(exhausted).toBe(true);

    const runs = await Promise.all([run(), run(), run()]);
    const subnets: string[] = [];
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      const id = r.json<{ id: string }>().id;
      expect(r.stderr).toMatch(/198\.1[89]\.\d+\.\d+/);
      const spec = await readFile(join(home, 'instances', id, 'compose.yml'), 'utf8');
      const subnet = /"subnet": "([\d./]+)"/.exec(spec)?.[1];
      expect(subnet).toMatch(/^198\.1[89]\.\d+\.\d+\/28$/);
      subnets.push(subnet!);
      expect(spec).toContain('"name": "corral-outbound"');
    }
    expect(new Set(subnets).size).toBe(3);
  });
});
