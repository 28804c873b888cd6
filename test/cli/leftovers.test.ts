/**
 * Reconcile and gc: an instance whose sandbox vanished while no engine watched (the engine
 * killed, then the sandbox removed) shows `lost` with its workspace kept, and `corral gc`
 * removes what is left of it (for a fenced docker instance, its whole Compose project). A fenced instance stopped from a second process ends
 * `canceled`; kept, its stopped project survives gc until `corral rm`, and resume starts
 * it afresh. A local launch killed from outside, srt's relays left running, ends failed
 * (not running for ever). Images built for instances whose records are gone go too, of
 * gc's own home.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findImagesDir, getDefaultImageTag } from '../../src/backends/docker/index.js';
import { corral, makeHome, waitFor } from '../helpers/cli.js';
import { killEnginesAndWait } from '../helpers/engine.js';
import { projectLeftovers } from '../helpers/fence.js';
import { makeRepo } from '../helpers/git-repo.js';

interface GcReport {
  dryRun: boolean;
  removed: Array<{ kind: string; target: string }>;
}

const variants: Array<[string, 'docker' | 'local', string[]]> = [
  ['docker', 'docker', []],
  ['docker, fenced', 'docker', ['--allow-host', 'registry.test']],
  ['local', 'local', []],
];

describe.each(variants)('lost instances and gc (%s)', (_name, backend, extra) => {
  it('marks an instance lost when its sandbox vanished while no engine watched, keeps its workspace, and gc removes what is left', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const started = await corral(
      home,
      ['run', '--backend', backend, ...extra, '-d', '--', 'sh', '-c', 'echo up; sleep 300'],
      { cwd: repo.dir },
    );
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const metadataFile = join(home, 'instances', id, 'metadata.json');
    const launched = await waitFor('the command launched', async () => {
      const m = JSON.parse(await readFile(metadataFile, 'utf8')) as {
        status: string;
        run: { phase: string; process: { pid?: string } | null } | null;
      };
      return m.status === 'running' && m.run?.phase === 'running' ? m.run : undefined;
    });
    // The engine dies, and then the sandbox goes (a host reboot, a docker prune).
    expect((await killEnginesAndWait(home)).length).toBeGreaterThan(0);
    if (backend === 'docker') {
      const containers = execFileSync(
        'docker',
        ['ps', '-aq', '--filter', `label=corral.instance=${id}`],
        { encoding: 'utf8' },
      )
        .trim()
        .split('\n')
        .filter(Boolean);
      expect(containers.length).toBeGreaterThan(0);
      execFileSync('docker', ['rm', '-f', ...containers], { stdio: 'ignore' });
      // As a prune would: the fenced project's networks, unused now, go too.
      const networks = execFileSync(
        'docker',
        ['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${id}`],
        { encoding: 'utf8' },
      )
        .trim()
        .split('\n')
        .filter(Boolean);
      if (networks.length)
        execFileSync('docker', ['network', 'rm', ...networks], { stdio: 'ignore' });
    } else {
      process.kill(-Number(launched.process?.pid), 'SIGKILL');
    }

    // The next command starts an engine, which finds the run gone.
    const ls = await corral(home, ['ls', '--json']);
    const found = await waitFor('the instance settled', async () => {
      const m = (await corral(home, ['ls', '--json'])).json<{
        instances: Array<{ id: string; status: string; message: string | null }>;
      }>().instances[0];
      return m && m.status !== 'running' ? m : undefined;
    });
    expect(ls.code, ls.stderr).toBe(0);
    if (backend === 'docker') {
      // The workspace was in the sandbox's hands when it went: kept, not brought back.
      expect(found, JSON.stringify(found)).toMatchObject({ id, status: 'lost' });
      expect(found.message).toContain(join(home, 'instances', id, 'workspace'));
      expect(existsSync(join(home, 'instances', id, 'workspace', '.git'))).toBe(true);
    } else {
      // A local sandbox is processes over the workspace on the host: the work comes back.
      expect(found, JSON.stringify(found)).toMatchObject({ id, status: 'failed' });
      expect(found.message).toContain('killed from outside corral');
      expect(repo.branchExists(`corral/${id}`)).toBe(true);
    }

    const gc = await corral(home, ['gc', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    const again = await corral(home, ['gc', '--dry-run', '--json']);
    expect(again.json<GcReport>().removed.filter((i) => i.kind === 'sandbox')).toHaveLength(0);
    if (backend === 'docker') {
      const left = execFileSync(
        'docker',
        ['ps', '-aq', '--filter', `label=corral.instance=${id}`],
        { encoding: 'utf8' },
      );
      expect(left.trim()).toBe('');
      expect(await projectLeftovers(id)).toEqual([]);
    }
  });
});

describe('a local launch killed from outside, its relays left', () => {
  it("ends failed (killed from outside corral), not running for ever on srt's socat relays", async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const started = await corral(
      home,
      ['run', '--backend', 'local', '-d', '--', 'sh', '-c', 'echo up > up.txt; sleep 300'],
      { cwd: repo.dir },
    );
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const pgid = await waitFor('the command launched', async () => {
      const m = JSON.parse(
        await readFile(join(home, 'instances', id, 'metadata.json'), 'utf8'),
      ) as { run: { phase: string; process: { pid?: number } | null } | null };
      return m.run?.phase === 'running' ? Number(m.run.process?.pid) : undefined;
    });
    const group = () =>
      execFileSync('ps', ['-eo', 'pid=,pgid=,comm='], { encoding: 'utf8' })
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter(([, g]) => Number(g) === pgid)
        .map(([pid, , comm]) => ({ pid: Number(pid), comm }));
    // Everything of the launch goes but its relays (a user's kill, an OOM killer).
    // srt starts its socat relays (else this proves nothing) and the command, which writes.
    await waitFor('the relays and the command', () =>
      Promise.resolve(
        group().some((p) => p.comm === 'socat') &&
          group().some((p) => p.comm === 'bwrap') &&
          existsSync(join(home, 'instances', id, 'workspace', 'up.txt'))
          ? true
          : undefined,
      ),
    );
    for (const p of group().filter((p) => p.comm !== 'socat')) process.kill(p.pid, 'SIGKILL');
    try {
      const found = await waitFor(
        'the instance ended',
        async () => {
          const m = (await corral(home, ['ls', '--json'])).json<{
            instances: Array<{ id: string; status: string; message: string | null }>;
          }>().instances[0];
          return m && m.status !== 'running' ? m : undefined;
        },
        60_000,
      );
      expect(found, JSON.stringify(found)).toMatchObject({ id, status: 'failed' });
      expect(found.message).toContain('killed from outside corral');
      expect(repo.show(`corral/${id}`, 'up.txt')).toBe('up\n');
    } finally {
      for (const p of group()) process.kill(p.pid, 'SIGKILL');
    }
  });
});

describe('a fenced docker instance from a second process', () => {
  it('stop ends it canceled; kept, its project outlives gc until rm; resume starts afresh', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const started = await corral(
      home,
      ['run', '--allow-host', 'registry.test', '--keep', '-d', '--', 'sh', '-c', 'sleep 300'],
      { cwd: repo.dir },
    );
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    await waitFor('the sandbox', async () => {
      const m = JSON.parse(
        await readFile(join(home, 'instances', id, 'metadata.json'), 'utf8'),
      ) as { sandboxId: string | null };
      return m.sandboxId ?? undefined;
    });
    const stop = await corral(home, ['stop', id, '--json']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.json<{ status: string }>().status).toBe('canceled');
    // The project's logs were dumped when it stopped: the gateway said it was ready.
    expect(await readFile(join(home, 'instances', id, 'compose.log'), 'utf8')).toContain(
      '"ready":true',
    );
    const kept = await projectLeftovers(id);
    expect(kept.length).toBeGreaterThan(0);
    const gc = await corral(home, ['gc', '--json']);
    expect(gc.json<GcReport>().removed.filter((i) => i.kind === 'sandbox')).toEqual([]);
    expect(await projectLeftovers(id)).toEqual(kept);

    const resumed = await corral(home, ['resume', id, '--json', '--', 'sh', '-c', 'echo again'], {
      cwd: repo.dir,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('again');
    const rm = await corral(home, ['rm', id]);
    expect(rm.code, rm.stderr).toBe(0);
    expect(await projectLeftovers(id)).toEqual([]);
  });
});

describe('gc of records that are gone', () => {
  it('removes base refs and merged branches of removed instances, keeps branches with work', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const empty = await corral(home, ['run', '--backend', 'local', '--json', '--', 'true'], {
      cwd: repo.dir,
    });
    const worked = await corral(
      home,
      ['run', '--backend', 'local', '--json', '--', 'sh', '-c', 'echo w > w.txt'],
      { cwd: repo.dir },
    );
    const [e, w] = [empty.json<{ id: string }>().id, worked.json<{ id: string }>().id];
    execFileSync('rm', ['-rf', join(home, 'instances', e), join(home, 'instances', w)]);
    const gc = await corral(home, ['gc', '--json']);
    const report = gc.json<GcReport & { kept: Array<{ kind: string; target: string }> }>();
    expect(report.removed.map((i) => i.target)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`refs/heads/corral/${e}`),
        expect.stringContaining(`refs/corral/bases/${w}`),
      ]),
    );
    expect(report.kept.map((i) => i.target)).toEqual([
      expect.stringContaining(`refs/heads/corral/${w}`),
    ]);
    expect(repo.branchExists(`corral/${e}`)).toBe(false);
    expect(repo.show(`corral/${w}`, 'w.txt')).toBe('w\n');
  });
});

describe('gc and an instance being made', () => {
  it('keeps the sandbox started beside a checkout whose record is not written yet, and removes it once half-made', async () => {
    const home = await makeHome();
    const id = `shell-making${process.pid}`;
    // What create has made while git checks the workspace out: the state dir, and the
    // sandbox started beside it, labelled for the instance.
    const stateDir = join(home, 'instances', id);
    await mkdir(join(stateDir, 'workspace'), { recursive: true });
    const label = (l: string) => ['--label', l];
    execFileSync('docker', [
      'run',
      '-d',
      '--name',
      `corral-${id}`,
      ...label('corral.managed=true'),
      ...label(`corral.instance=${id}`),
      ...label(`corral.home=${home}`),
      getDefaultImageTag(findImagesDir()),
      'sleep',
      'infinity',
    ]);
    const containers = () =>
      execFileSync('docker', ['ps', '-aq', '--filter', `label=corral.instance=${id}`], {
        encoding: 'utf8',
      }).trim();
    try {
      const young = await corral(home, ['gc', '--json']);
      expect(young.code, young.stderr).toBe(0);
      expect(young.json<GcReport>().removed).toEqual([]);
      expect(containers()).not.toBe('');
      // Past the age a create may take, the instance is half-made: its sandbox goes too.
      const old = new Date(Date.now() - 11 * 60_000);
      await utimes(stateDir, old, old);
      const late = await corral(home, ['gc', '--json']);
      expect(
        late
          .json<GcReport>()
          .removed.map((i) => i.kind)
          .sort(),
      ).toEqual(['sandbox', 'state-dir']);
      expect(containers()).toBe('');
    } finally {
      execFileSync('docker', ['rm', '-f', `corral-${id}`], { stdio: 'ignore' });
    }
  });
});

describe('gc of instance images', () => {
  it('removes the images built for instances whose records are gone, of its own home only', async () => {
    const home = await makeHome();
    const other = await makeHome();
    const base = getDefaultImageTag(findImagesDir());
    const build = (tag: string, owner: string) =>
      execFileSync(
        'docker',
        ['build', '-q', '-t', tag, '--label', `corral.instance-image.home=${owner}`, '-'],
        { input: `FROM ${base}\n`, encoding: 'utf8' },
      );
    const mine = `corral-instance-shell-gc${process.pid}:1`;
    const theirs = `corral-instance-shell-ot${process.pid}:1`;
    build(mine, home);
    build(theirs, other);
    const exists = (tag: string) =>
      execFileSync('docker', ['images', '-q', tag], { encoding: 'utf8' }).trim() !== '';
    try {
      const dry = await corral(home, ['gc', '--dry-run', '--json']);
      expect(dry.json<GcReport>().removed.filter((i) => i.kind === 'image')).toEqual([
        expect.objectContaining({ target: mine }),
      ]);
      expect(exists(mine)).toBe(true);
      const gc = await corral(home, ['gc', '--json']);
      expect(gc.code, gc.stderr).toBe(0);
      expect(exists(mine)).toBe(false);
      expect(exists(theirs)).toBe(true);
    } finally {
      execFileSync('docker', ['rmi', '-f', mine, theirs], { stdio: 'ignore' });
    }
  });
});
