/**
 * What a sandbox's own uid (see `sandbox-user.ts`) cannot reach on its way to the paths
 * srt must open: the workspace, the fence's settings, srt's temporary directory, corral's
 * node_modules, Node and an agent's install. They usually sit below a directory only root
 * may enter (`/root`, a 0700 `mkdtemp`, `~/.corral`), and opening those up for the run
 * would show the uid everything else in them too.
 *
 * Instead srt runs in a mount namespace of its own (`launch-prefix.ts`) where each such
 * directory is covered by an empty tmpfs that the uid may cross but not list, holding
 * only the paths it needs, bound back from the real tree. Nothing changes on the host,
 * and the uid sees exactly those paths. This module computes the plan; it reads modes
 * only (ACLs are not consulted: a directory an ACL opens is covered all the same).
 */
import { stat as fsStat } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import type { SandboxUser } from './sandbox-user.js';

export interface CoveredDir {
  /** A directory the uid may not search, covered by a tmpfs. */
  dir: string;
  /** Paths below it (absolute) bound back into the tmpfs, outermost only. */
  binds: string[];
}

export interface ReachPlan {
  covered: CoveredDir[];
  /** Needed paths the uid could not read even once reached (their own mode). */
  unreadable: string[];
}

export interface Mode {
  uid: number;
  gid: number;
  mode: number;
}

type StatFn = (path: string) => Promise<Mode>;

/** Whether `user` has all of `bits` (r=4, w=2, x=1) on a file of mode `m`. */
function allows(m: Mode, user: SandboxUser, bits: number): boolean {
  const shift = m.uid === user.uid ? 6 : m.gid === user.gid ? 3 : 0;
  return ((m.mode >> shift) & bits) === bits;
}

/** The ancestors of an absolute path, outermost first, without the path itself. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    out.unshift(dir);
    if (dir === dirname(dir)) return out;
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
}

/** `paths` without those that lie inside another of them. */
export function outermost(paths: readonly string[]): string[] {
  const unique = [...new Set(paths)].sort();
  return unique.filter((p) => !unique.some((q) => q !== p && isInside(p, q)));
}

/**
 * @param needed real paths (symlinks resolved) the uid must reach; `readable` ones must
 *   also be listable by it once reached (the others corral hands to it itself).
 * @example
 * await planReach({ uid: 2080374785, gid: 2080374785 }, ['/root/.corral/instances/x/workspace'], [])
 * // { covered: [{ dir: '/root', binds: ['/root/.corral/instances/x/workspace'] }], unreadable: [] }
 */
export async function planReach(
  user: SandboxUser,
  needed: readonly string[],
  readable: readonly string[],
  stat: StatFn = fsStat,
): Promise<ReachPlan> {
  const covered = new Map<string, string[]>();
  for (const path of outermost(needed)) {
    for (const dir of ancestors(path)) {
      if (allows(await stat(dir), user, 1)) continue;
      covered.set(dir, [...(covered.get(dir) ?? []), path]);
      break;
    }
  }
  const unreadable: string[] = [];
  for (const path of readable) {
    if (!allows(await stat(path), user, 5)) unreadable.push(path);
  }
  return {
    covered: [...covered].map(([dir, binds]) => ({ dir, binds })),
    unreadable,
  };
}
