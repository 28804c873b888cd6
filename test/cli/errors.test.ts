/**
 * Bad input gets one clear line on stderr, a documented exit code, and loses nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corral, makeHome, waitFor } from '../helpers/cli.js';
import { killEnginesAndWait } from '../helpers/engine.js';
import { makeRepo } from '../helpers/git-repo.js';

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^corral: /);
  return lines[0]!;
}

describe('bad input', () => {
  it('not a git repository: exit 4', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-plain-'));
    const r = await corral(await makeHome(), ['run', '--', 'true'], { cwd: dir });
    expect(r.code).toBe(4);
    expect(oneLine(r.stderr)).toContain('is not a git repository');
  });

  it('a repository with no commits: exit 4', async () => {
    const repo = await makeRepo({ 'a.txt': 'a' }, { commit: false });
    const r = await corral(await makeHome(), ['run', '--', 'true'], { cwd: repo.dir });
    expect(r.code).toBe(4);
    expect(oneLine(r.stderr)).toContain('has no commits yet');
  });

  it('a ref that does not exist: exit 4, nothing created', async () => {
    const repo = await makeRepo();
    const home = await makeHome();
    const r = await corral(home, ['run', '--from', 'nope', '--', 'true'], { cwd: repo.dir });
    expect(r.code).toBe(4);
    expect(oneLine(r.stderr)).toContain("'nope' is not a commit");
    expect(await readdir(join(home, 'instances')).catch(() => [])).toEqual([]);
  });

  it('an id that does not exist: exit 3', async () => {
    const home = await makeHome();
    for (const cmd of [
      ['logs', 'shell-zzzzz'],
      ['stop', 'shell-zzzzz'],
      ['diff', 'nope'],
      ['rm', 'nope'],
    ]) {
      const r = await corral(home, cmd);
      expect(r.code, cmd.join(' ')).toBe(3);
      expect(oneLine(r.stderr)).toContain('No instance');
    }
  });

  it('no backend available: exit 5 with the fix', async () => {
    const repo = await makeRepo();
    const r = await corral(await makeHome(), ['run', '--backend', 'docker', '--', 'true'], {
      cwd: repo.dir,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.code).toBe(5);
    expect(oneLine(r.stderr)).toMatch(/Docker is not reachable.*--backend local/);
  });

  it('image missing: exit 5, tells how to build it', async () => {
    const repo = await makeRepo();
    const home = await makeHome();
    const r = await corral(
      home,
      ['run', '--backend', 'docker', '--image', 'corral-no-such-image:1', '--', 'true'],
      { cwd: repo.dir },
    );
    expect(r.code).toBe(5);
    expect(oneLine(r.stderr)).toContain('corral image build');
    expect(await readdir(join(home, 'instances')).catch(() => [])).toEqual([]);
  });

  it('no Compose CLI for a fenced instance: exit 5 with the fix, nothing created', async () => {
    const repo = await makeRepo();
    const home = await makeHome();
    // A PATH with git and nothing of Docker's: neither `docker compose` nor `docker-compose`.
    const bin = await mkdtemp(join(tmpdir(), 'corral-no-compose-'));
    await symlink(
      execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(),
      join(bin, 'git'),
    );
    const r = await corral(
      home,
      ['run', '--backend', 'docker', '--allow-host', 'example.test', '--', 'true'],
      { cwd: repo.dir, env: { PATH: bin } },
    );
    expect(r.code).toBe(5);
    expect(oneLine(r.stderr)).toMatch(/No Compose CLI found.*apt-get install -y docker-compose/);
    expect(await readdir(join(home, 'instances')).catch(() => [])).toEqual([]);
  });

  it('usage errors: exit 2', async () => {
    const repo = await makeRepo();
    const home = await makeHome();
    const timeout = await corral(home, ['run', '--timeout', 'soon', '--', 'true'], {
      cwd: repo.dir,
    });
    expect(timeout.code).toBe(2);
    expect(oneLine(timeout.stderr)).toContain("--timeout 'soon' is not a duration");
    const missing = await corral(home, ['run'], { cwd: repo.dir });
    expect(missing.code).toBe(2);
    // A terminal session in the foreground needs a terminal (stdin here is a pipe).
    const noTerminal = await corral(home, ['run', '-i', '--', 'sh'], { cwd: repo.dir });
    expect(noTerminal.code).toBe(2);
    expect(oneLine(noTerminal.stderr)).toContain('-i needs a terminal, and stdin is not one.');
    expect(oneLine(noTerminal.stderr)).toContain('add -d to attach later');
  });

  describe('disk full while copying', () => {
    const mountPoint = join(tmpdir(), `corral-tiny-${process.pid}`);
    afterAll(async () => {
      // The engine of that home keeps files open on it.
      await killEnginesAndWait(mountPoint);
      // Busy for a moment more while what used it winds down; detached at last if still so.
      const unmounted = await waitFor(
        'the tiny disk unmounted',
        () => {
          try {
            execFileSync('umount', [mountPoint], { stdio: 'ignore' });
            return Promise.resolve(true);
          } catch {
            return Promise.resolve(undefined);
          }
        },
        10_000,
      ).catch(() => false);
      if (!unmounted) execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    });

    it('fails cleanly, leaves nothing half-made, and the source repo is intact', async () => {
      await mkdir(mountPoint, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
      const repo = await makeRepo();
      // Incompressible data bigger than the 2 MiB state disk.
      execFileSync('sh', ['-c', `head -c 4000000 /dev/urandom > "${repo.dir}/big.bin"`]);
      repo.git('add', '-A');
      repo.git('commit', '-qm', 'big');
      const r = await corral(mountPoint, ['run', '--backend', 'local', '--', 'true'], {
        cwd: repo.dir,
      });
      expect(r.code).toBe(6);
      expect(oneLine(r.stderr)).toContain('disk is full');
      expect(await readdir(join(mountPoint, 'instances'))).toEqual([]);
      expect(repo.git('for-each-ref', 'refs/corral/').trim()).toBe('');
      expect(repo.git('status', '--porcelain').trim()).toBe('');
    });
  });
});

describe('wrong state', () => {
  it('resume of an instance that was not kept: exit 7 with what to do instead', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const run = await corral(home, ['run', '--backend', 'local', '--json', '--', 'true'], {
      cwd: repo.dir,
    });
    const id = run.json<{ id: string }>().id;
    const r = await corral(home, ['resume', id, '--', 'true']);
    expect(r.code).toBe(7);
    expect(oneLine(r.stderr)).toContain(`corral run --from corral/${id}`);
  });

  it('rm of an instance that is starting says so (not "created")', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const started = await corral(
      home,
      ['run', '--backend', 'local', '-d', '--', 'sh', '-c', 'sleep 30'],
      { cwd: repo.dir },
    );
    const id = started.stdout.trim();
    const refused = await corral(home, ['rm', id]);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(new RegExp(`${id} is still (starting|running)\\.`));
    expect(refused.stderr).not.toContain('created');
    await corral(home, ['rm', '--force', id]);
  });

  it('rm of a running instance: exit 7, and --force stops it first', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const started = await corral(
      home,
      [
        'run',
        '--backend',
        'local',
        '-d',
        '--',
        'sh',
        '-c',
        'echo w > w.txt; echo ready; sleep 120',
      ],
      { cwd: repo.dir },
    );
    const id = started.stdout.trim();
    await waitFor('the command to start', async () =>
      (await readFile(join(home, 'instances', id, 'output.log'), 'utf8').catch(() => '')).includes(
        'ready',
      )
        ? true
        : undefined,
    );
    const refused = await corral(home, ['rm', id]);
    expect(refused.code).toBe(7);
    expect(oneLine(refused.stderr)).toContain(`corral stop ${id}`);
    const forced = await corral(home, ['rm', '--force', id]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(repo.show(`corral/${id}`, 'w.txt')).toBe('w\n');
  });
});

describe('internal error', () => {
  it('a state record corral cannot read: exit 70, one line naming the file, and --json says INTERNAL', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(home, ['run', '--backend', 'local', '--json', '--', 'true'], {
      cwd: repo.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const { id } = r.json<{ id: string }>();
    const record = join(home, 'instances', id, 'metadata.json');
    const good = await readFile(record, 'utf8');

    // Cut short (a crash, an edit by hand), with a value it does not know, from a newer corral.
    for (const [text, says] of [
      [good.slice(0, good.length / 2), `${record} is not a record corral can read`],
      [good.replace('"status": "succeeded"', '"status": "exploded"'), '(status: '],
      [good.replace('"schemaVersion": 1', '"schemaVersion": 99'), 'written by a newer corral'],
    ] as const) {
      await writeFile(record, text);
      const logs = await corral(home, ['logs', id]);
      expect(logs.code, logs.stderr).toBe(70);
      expect(oneLine(logs.stderr)).toContain(says);
      const json = await corral(home, ['diff', id, '--json']);
      expect(json.code).toBe(70);
      expect(json.json<{ error: { code: string; message: string } }>().error).toMatchObject({
        code: 'INTERNAL',
        message: expect.stringContaining(says) as unknown,
      });
    }
  });
});
