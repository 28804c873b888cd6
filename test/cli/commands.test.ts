/** `corral doctor`, `corral image build` and `corral demo` through the built CLI. */
import { execFileSync, spawnSync } from 'node:child_process';
import { access, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

describe('doctor', () => {
  it('reports both backends available here, as JSON and for people', async () => {
    const home = await makeHome();
    const r = await corral(home, ['doctor', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json<{
      ok: boolean;
      defaultBackend: string;
      backends: string[];
      checks: Array<{ name: string; ok: boolean; detail: string }>;
    }>();
    expect(report).toMatchObject({
      ok: true,
      defaultBackend: 'docker',
      backends: ['docker', 'local'],
    });
    expect(report.checks.find((c) => c.name === 'sandbox image')?.ok).toBe(true);
    expect(report.checks.find((c) => c.name === 'gateway image')?.ok).toBe(true);
    const compose = report.checks.find((c) => c.name === 'compose');
    expect(compose?.ok).toBe(true);
    expect(compose?.detail).toMatch(/^(docker-compose \S+ \(v1\)|docker compose \S+)$/);
    const human = await corral(home, ['doctor']);
    expect(human.stdout).toContain('default backend (--backend auto): docker');
  });

  it('says what is missing and how to fix it when docker does not answer', async () => {
    const r = await corral(await makeHome(), ['doctor'], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✘ backend docker .*not reachable/);
    expect(r.stdout).toContain('default backend (--backend auto): local');
  });
});

describe('image build', () => {
  // The agents image is built (and timed) by test/backends/agent-image.test.ts.
  it('builds (cached here) the content-hash tagged sandbox image and prints its tag', async () => {
    const r = await corral(await makeHome(), ['image', 'build', '--base-only', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ base: string; agents: string | null; gateway: string | null }>()).toEqual({
      base: expect.stringMatching(/^corral-sandbox:[0-9a-f]{12}$/) as unknown,
      agents: null,
      gateway: null,
    });
  });
});

describe.each(['docker', 'local'])('demo (%s)', (backend) => {
  it('runs one instance on a throwaway repository, shows the branch, and leaves nothing behind', async () => {
    const home = await makeHome();
    const r = await corral(home, ['demo', '--backend', backend]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('test: ok');
    expect(r.stdout).toMatch(/branch corral\/shell-[a-z0-9]{5} in /);
    expect(r.stdout).toContain('answer.js');
    const repo = /throwaway repository at (\S+)/.exec(r.stderr)![1]!;
    await expect(access(repo)).rejects.toThrow();
    const ls = await corral(home, ['ls', '--json']);
    expect(ls.json<{ instances: unknown[] }>().instances).toEqual([]);
  });
});

describe('demo --keep', () => {
  it('keeps the repository and the instance to look at', async () => {
    const home = await makeHome();
    const r = await corral(home, ['demo', '--backend', 'local', '--keep']);
    expect(r.code, r.stderr).toBe(0);
    const repo = /throwaway repository at (\S+)/.exec(r.stderr)![1]!;
    await access(join(repo, 'README.md'));
    const branch = /branch (corral\/shell-[a-z0-9]{5}) in /.exec(r.stdout)![1]!;
    expect(
      execFileSync('git', ['-C', repo, 'show', `${branch}:answer.js`], { encoding: 'utf8' }),
    ).toContain('42');
    const ls = await corral(home, ['ls', '--json']);
    expect(ls.json<{ instances: unknown[] }>().instances).toHaveLength(1);
    await rm(repo, { recursive: true, force: true });
  });
});

describe('the corral shim', () => {
  it('works through a symlink on the PATH, from any directory', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'corral-bin-'));
    await symlink(join(repoRoot, 'corral'), join(bin, 'corral'));
    const elsewhere = await mkdtemp(join(tmpdir(), 'corral-cwd-'));
    const r = spawnSync('corral', ['--version'], {
      cwd: elsewhere,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await readdir(bin)).toEqual(['corral']);
  });
});
