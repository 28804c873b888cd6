/**
 * Where this host lets corral make a cgroup for a sandbox, controller by controller
 * (memory, pids, cpu): the kernel's own resource limits, which count every process of
 * the sandbox together, as Docker's do.
 *
 * - cgroup v2 (`cgroup2` mount; `/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on a hybrid
 *   host): a sibling of corral's own cgroup, since v2 lets a cgroup hold processes or
 *   children with controllers but not both (the root cgroup, which may, takes a child).
 *   Usable when that parent is writable (root, or a delegated subtree) and offers the
 *   controller.
 * - cgroup v1 (`cgroup` mounts, one per controller or per group of them): a child of
 *   corral's own cgroup in that hierarchy, so whatever limits corral itself runs under
 *   still hold. Usable when writable (root, on a host whose cgroupfs is not read-only).
 *
 * A controller offered by neither is not enforced that way (see `sandbox-limits.ts`).
 */
import { access, constants, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';

export type Controller = 'memory' | 'pids' | 'cpu';
export const controllers: readonly Controller[] = ['memory', 'pids', 'cpu'];

export interface CgroupSpot {
  version: 1 | 2;
  /** The directory a sandbox's cgroup is made in. */
  parent: string;
}

export type CgroupSpots = Partial<Record<Controller, CgroupSpot>>;

export interface Mount {
  /** The directory of the filesystem (here: of the hierarchy) mounted there. */
  root: string;
  mountPoint: string;
  fstype: string;
  superOptions: string[];
}

/** The mounts of /proc/self/mountinfo (octal escapes in paths decoded). */
export function parseMountinfo(text: string): Mount[] {
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const [, , , root, mountPoint] = left.split(' ');
    const [fstype, , superOptions = ''] = right.split(' ');
    if (!root || !mountPoint || !fstype) continue;
    mounts.push({
      root: unescape(root),
      mountPoint: unescape(mountPoint),
      fstype,
      superOptions: superOptions.split(','),
    });
  }
  return mounts;
}

export interface Membership {
  /** Controllers of the hierarchy (empty for the v2 line, `0::`). */
  controllers: string[];
  path: string;
}

/** The lines of /proc/self/cgroup: `id:controllers:path`. */
export function parseProcCgroup(text: string): Membership[] {
  const out: Membership[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    out.push({ controllers: match[2] ? match[2].split(',') : [], path: match[3] ?? '/' });
  }
  return out;
}

/**
 * Where cgroup `path` of a hierarchy appears under its mount, or undefined when the mount
 * shows only another part of the hierarchy (a container's view of the host's).
 */
export function locate(mount: Mount, path: string): string | undefined {
  const rel = relative(mount.root, path);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return join(mount.mountPoint, rel);
}

async function isWritable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

async function words(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8').catch(() => '')).split(/\s+/).filter(Boolean);
}

async function findV2(mounts: Mount[], own: Membership[]): Promise<CgroupSpots> {
  const mount = mounts.find((m) => m.fstype === 'cgroup2');
  const line = own.find((m) => m.controllers.length === 0);
  const self = mount && line ? locate(mount, line.path) : undefined;
  if (!mount || !line || !self) return {};
  // Our own cgroup holds us; a new one goes beside it, unless ours is the mount's root.
  const parent = self === mount.mountPoint ? self : dirname(self);
  if (!(await isWritable(join(parent, 'cgroup.subtree_control')))) return {};
  const offered = new Set(await words(join(parent, 'cgroup.controllers')));
  const spots: CgroupSpots = {};
  for (const c of controllers) if (offered.has(c)) spots[c] = { version: 2, parent };
  return spots;
}

async function findV1(mounts: Mount[], own: Membership[]): Promise<CgroupSpots> {
  const spots: CgroupSpots = {};
  for (const c of controllers) {
    const mount = mounts.find((m) => m.fstype === 'cgroup' && m.superOptions.includes(c));
    const line = own.find((m) => m.controllers.includes(c));
    const parent = mount && line ? locate(mount, line.path) : undefined;
    if (parent && (await isWritable(parent))) spots[c] = { version: 1, parent };
  }
  return spots;
}

/** Where each controller can be used from here: v2 first, then v1. */
export async function findCgroupSpots(
  mountinfo?: string,
  procCgroup?: string,
): Promise<CgroupSpots> {
  const mounts = parseMountinfo(mountinfo ?? (await readFile('/proc/self/mountinfo', 'utf8')));
  const own = parseProcCgroup(procCgroup ?? (await readFile('/proc/self/cgroup', 'utf8')));
  return { ...(await findV1(mounts, own)), ...(await findV2(mounts, own)) };
}
