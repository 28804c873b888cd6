/**
 * Reconcile and gc: an instance whose supervisor dies shows `lost`; `corral gc` lists
 * (--dry-run) and then removes the sandbox it left behind (for a fenced docker instance,
 * its whole Compose project). A fenced instance stopped from a second process ends
 * `canceled`; kept, its stopped project survives gc until `corral rm`, and resume starts
 * it afresh. Images built for instances whose records are gone go too, of gc's own home.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findImagesDir, getDefaultImageTag } from '../../src/backends/docker/index.js';
import { corral, makeHome, waitFor } from '../helpers/cli.js';
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
  it('marks an instance lost when its supervisor dies, and gc removes its sandbox', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const started = await corral(
      home,
      ['run', '--backend', backend, ...extra, '-d', '--', 'sh', '-c', 'echo up; sleep 300'],
      { cwd: repo.dir },
    );
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const pid = await waitFor('the supervisor', async () => {
      const m = JSON.parse(
        await readFile(join(home, 'instances', id, 'metadata.json'), 'utf8'),
      ) as {
        status: string;
        supervisor: { pid: number } | null;
        sandboxId: string | null;
      };
      return m.status === 'running' && m.supervisor && m.sandboxId ? m.supervisor.pid : undefined;
    });
    process.kill(pid, 'SIGKILL');
    // Dead, or a zombie that nobody has reaped yet.
    await waitFor('the supervisor to die', () =>
      readFile(`/proc/${pid}/stat`, 'utf8').then(
        (stat) => (/\) [ZX] /.test(stat) ? true : undefined),
        () => true,
      ),
    );

    const ls = await corral(home, ['ls', '--json']);
    expect(ls.json<{ instances: Array<{ id: string; status: string }> }>().instances).toEqual([
      expect.objectContaining({ id, status: 'lost' }),
    ]);
    const dry = await corral(home, ['gc', '--dry-run', '--json']);
    const planned = dry.json<GcReport>();
    expect(planned.dryRun).toBe(true);
    expect(planned.removed.filter((i) => i.kind === 'sandbox')).toHaveLength(1);
    const gc = await corral(home, ['gc', '--json']);
    expect(gc.json<GcReport>().removed.filter((i) => i.kind === 'sandbox')).toHaveLength(1);
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
