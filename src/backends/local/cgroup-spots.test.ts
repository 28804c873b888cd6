import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCgroupSpots, locate, parseMountinfo, parseProcCgroup } from './cgroup-spots.js';

/** The shapes of this machine's files (a hybrid host), with the mount points moved to `at`. */
function hybrid(at: string): { mountinfo: string; cgroup: string } {
  return {
    mountinfo: [
      `24 1 254:0 / / rw,relatime - ext4 /dev/vda rw`,
      `30 24 0:26 / ${at}/memory rw,relatime - cgroup cgroup rw,memory`,
      `31 24 0:27 / ${at}/pids rw,relatime - cgroup cgroup rw,pids`,
      `32 24 0:28 / ${at}/cpu rw,relatime - cgroup cgroup rw,cpu`,
      `33 24 0:29 / ${at}/cpuacct rw,relatime - cgroup cgroup rw,cpuacct`,
      `34 24 0:30 / ${at}/unified rw,relatime - cgroup2 cgroup2 rw`,
    ].join('\n'),
    cgroup: ['4:memory:/limited', '8:pids:/', '1:cpu:/', '2:cpuacct:/', '0::/'].join('\n'),
  };
}

describe('parseMountinfo / parseProcCgroup', () => {
  it('reads the mount point, the root shown there, the type and the super options', () => {
    const [mount] = parseMountinfo(
      '30 24 0:26 /docker/abc /sys/fs/cgroup/my\\040memory rw - cgroup cgroup rw,memory',
    );
    expect(mount).toEqual({
      root: '/docker/abc',
      mountPoint: '/sys/fs/cgroup/my memory',
      fstype: 'cgroup',
      superOptions: ['rw', 'memory'],
    });
    expect(parseProcCgroup('4:memory:/a/b\n0::/\n')).toEqual([
      { controllers: ['memory'], path: '/a/b' },
      { controllers: [], path: '/' },
    ]);
  });

  it('finds a cgroup under a mount that shows only part of the hierarchy, or says it is not there', () => {
    const mount = {
      root: '/docker/abc',
      mountPoint: '/sys/fs/cgroup/memory',
      fstype: 'cgroup',
      superOptions: [],
    };
    expect(locate(mount, '/docker/abc/x')).toBe('/sys/fs/cgroup/memory/x');
    expect(locate(mount, '/docker/abc')).toBe('/sys/fs/cgroup/memory');
    expect(locate(mount, '/other')).toBeUndefined();
  });
});

describe('findCgroupSpots', () => {
  it('v1: a child of our own cgroup in each writable controller hierarchy', async () => {
    const at = await mkdtemp(join(tmpdir(), 'corral-cgroups-'));
    for (const c of ['memory/limited', 'pids', 'cpu', 'cpuacct', 'unified']) {
      await mkdir(join(at, c), { recursive: true });
    }
    const { mountinfo, cgroup } = hybrid(at);
    // cgroup2 offers nothing here (a hybrid host): v1 it is, inside our own memory cgroup.
    expect(await findCgroupSpots(mountinfo, cgroup)).toEqual({
      memory: { version: 1, parent: join(at, 'memory', 'limited') },
      pids: { version: 1, parent: join(at, 'pids') },
      cpu: { version: 1, parent: join(at, 'cpu') },
    });
  });

  it('v2: beside our own cgroup, for the controllers its parent offers, and before v1', async () => {
    const at = await mkdtemp(join(tmpdir(), 'corral-cgroups-'));
    const parent = join(at, 'unified', 'user.slice');
    await mkdir(join(parent, 'session.scope'), { recursive: true });
    await writeFile(join(parent, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    await writeFile(join(parent, 'cgroup.subtree_control'), 'memory pids\n');
    for (const c of ['memory/limited', 'pids', 'cpu'])
      await mkdir(join(at, c), { recursive: true });
    const { mountinfo } = hybrid(at);
    const cgroup = ['4:memory:/limited', '0::/user.slice/session.scope'].join('\n');
    expect(await findCgroupSpots(mountinfo, cgroup)).toEqual({
      memory: { version: 2, parent },
      pids: { version: 2, parent },
      cpu: { version: 2, parent },
    });
  });

  it('uses no hierarchy whose mount does not show our cgroup, or whose directory is not there', async () => {
    const at = await mkdtemp(join(tmpdir(), 'corral-cgroups-'));
    await mkdir(join(at, 'pids'), { recursive: true });
    const mountinfo = [
      // A container's view: the memory hierarchy from /docker/abc down, we are elsewhere.
      `30 24 0:26 /docker/abc ${at}/memory rw - cgroup cgroup rw,memory`,
      `31 24 0:27 / ${at}/pids rw - cgroup cgroup rw,pids`,
      `32 24 0:28 / ${at}/cpu rw - cgroup cgroup rw,cpu`,
    ].join('\n');
    const cgroup = ['4:memory:/host-only', '8:pids:/', '1:cpu:/'].join('\n');
    expect(await findCgroupSpots(mountinfo, cgroup)).toEqual({
      pids: { version: 1, parent: join(at, 'pids') },
    });
  });
});
