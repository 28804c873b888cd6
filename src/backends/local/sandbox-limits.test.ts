import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSandboxLimits, hasNamespacedNproc } from './sandbox-limits.js';

const limits = { memoryBytes: 256 * 1024 ** 2, cpus: 0.5, pids: 64 };

/**
 * A cgroup filesystem cannot be mounted in a unit test (and v2 not at all on a hybrid
 * host): these directories stand in for one, holding the files corral reads and writes.
 * The system tests (test/security/local-privileges.test.ts) use the real one.
 */
async function fakeHierarchy(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-cgroup-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

describe('createSandboxLimits', () => {
  it('v2: one cgroup beside ours, controllers switched on in the parent, every limit written', async () => {
    const parent = await fakeHierarchy({
      'cgroup.controllers': 'cpu io memory pids',
      'cgroup.subtree_control': 'memory',
    });
    const spot = { version: 2 as const, parent };
    const made = await createSandboxLimits('corral-x-y', limits, {
      memory: spot,
      pids: spot,
      cpu: spot,
    });
    const dir = join(parent, 'corral-x-y');
    expect(made).toEqual({
      enforced: { memory: 'cgroup v2', cpus: 'cgroup v2', pids: 'cgroup v2' },
      cgroups: [dir],
      nproc: null,
    });
    // A fake file keeps what was last written: the controllers the parent lacked.
    expect(await readFile(join(parent, 'cgroup.subtree_control'), 'utf8')).toBe('+pids +cpu');
    expect(await readFile(join(dir, 'memory.max'), 'utf8')).toBe(String(256 * 1024 ** 2));
    expect(await readFile(join(dir, 'pids.max'), 'utf8')).toBe('64');
    expect(await readFile(join(dir, 'cpu.max'), 'utf8')).toBe('50000 100000');
  });

  it('v1: a cgroup per hierarchy, swap left alone where it is not accounted', async () => {
    const memory = await fakeHierarchy();
    const pids = await fakeHierarchy();
    const cpu = await fakeHierarchy();
    const made = await createSandboxLimits('corral-x-y', limits, {
      memory: { version: 1, parent: memory },
      pids: { version: 1, parent: pids },
      cpu: { version: 1, parent: cpu },
    });
    expect(made.enforced).toEqual({ memory: 'cgroup v1', cpus: 'cgroup v1', pids: 'cgroup v1' });
    expect(made.cgroups).toEqual([memory, pids, cpu].map((p) => join(p, 'corral-x-y')));
    const read = (dir: string, file: string) => readFile(join(dir, 'corral-x-y', file), 'utf8');
    expect(await read(memory, 'memory.limit_in_bytes')).toBe(String(256 * 1024 ** 2));
    await expect(read(memory, 'memory.memsw.limit_in_bytes')).rejects.toThrow(/ENOENT/);
    expect(await read(pids, 'pids.max')).toBe('64');
    expect(await read(cpu, 'cpu.cfs_period_us')).toBe('100000');
    expect(await read(cpu, 'cpu.cfs_quota_us')).toBe('50000');
  });

  it('claims no limit whose cgroup could not be made', async () => {
    const pids = await fakeHierarchy();
    const made = await createSandboxLimits('corral-x-y', limits, {
      memory: { version: 1, parent: join(pids, 'no-such-hierarchy') },
      pids: { version: 1, parent: pids },
    });
    expect(made.enforced).toEqual({ memory: null, cpus: null, pids: 'cgroup v1' });
    expect(made.cgroups).toEqual([join(pids, 'corral-x-y')]);
  });

  it('without a cgroup for pids: RLIMIT_NPROC, where the kernel counts it per user namespace', async () => {
    const made = await createSandboxLimits('corral-x-y', limits, {});
    expect(made.cgroups).toEqual([]);
    expect(made.enforced.memory).toBeNull();
    expect(made.enforced.cpus).toBeNull();
    expect(made.enforced.pids).toBe(hasNamespacedNproc() ? 'RLIMIT_NPROC' : null);
    expect(made.nproc).toBe(hasNamespacedNproc() ? 64 : null);
  });
});

describe('hasNamespacedNproc', () => {
  it('is true from Linux 5.14 on', () => {
    expect(hasNamespacedNproc('5.13.0-generic')).toBe(false);
    expect(hasNamespacedNproc('5.14.0')).toBe(true);
    expect(hasNamespacedNproc('6.1.0-18-amd64')).toBe(true);
    expect(hasNamespacedNproc('4.19.0')).toBe(false);
  });
});
