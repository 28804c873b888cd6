/**
 * A local sandbox's resource limits (`--memory`, `--cpus`, `--pids`), by whatever this
 * host offers, and a plain record of what enforces each one, so that nothing claims a
 * limit that does not hold:
 *
 * - a cgroup per sandbox (v2, else v1; see `cgroup-spots.ts`) holding everything srt
 *   starts for it, srt included: memory (swap too, where accounted), CPU time (CFS quota
 *   per 100 ms) and the number of tasks (threads count, as Docker's --pids-limit counts
 *   them). Ending the sandbox kills what is left in it.
 * - without a cgroup for pids, RLIMIT_NPROC set inside the command's own user namespace,
 *   where since Linux 5.14 it counts only the processes of that namespace, not the user's
 *   others elsewhere on the host.
 * - memory and CPU have no such fallback: RLIMIT_AS caps one process's address space, not
 *   the sandbox's memory, and breaks V8 and Bun, which reserve far more than they use; so
 *   without a cgroup they are not enforced, and say so.
 */
import { readFile, rmdir, writeFile, mkdir, access } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EnforcedLimits, Limits } from '../../state/index.js';
import { CorralError } from '../../lib/errors.js';
import { controllers, findCgroupSpots, type CgroupSpots, type Controller } from './cgroup-spots.js';

/** What enforces each limit ("cgroup v2", "cgroup v1", "RLIMIT_NPROC"), null where none does. */
export type LimitEnforcement = EnforcedLimits;

export interface SandboxLimits {
  enforced: LimitEnforcement;
  /** The cgroup directories made for the sandbox (one per hierarchy). */
  cgroups: string[];
  /** RLIMIT_NPROC for the command, when no cgroup counts its processes. */
  nproc: number | null;
}

const cfsPeriodUs = 100_000;
const emptyWaitMs = 5000;

/** RLIMIT_NPROC counts per user namespace from Linux 5.14 on; before, per user, host-wide. */
export function hasNamespacedNproc(kernel = release()): boolean {
  const [major = 0, minor = 0] = kernel.split(/[.-]/).map(Number);
  return major > 5 || (major === 5 && minor >= 14);
}

function label(spot: { version: 1 | 2 } | undefined): string | null {
  return spot ? `cgroup v${spot.version}` : null;
}

function describe(spots: CgroupSpots, nproc: boolean): LimitEnforcement {
  return {
    memory: label(spots.memory),
    cpus: label(spots.cpu),
    pids: label(spots.pids) ?? (nproc ? 'RLIMIT_NPROC' : null),
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The values to write, file by file, for `controller` in a cgroup of `version`. */
function limitFiles(
  controller: Controller,
  version: 1 | 2,
  limits: Limits,
): Array<[string, string]> {
  const quota = String(Math.max(1000, Math.round(limits.cpus * cfsPeriodUs)));
  switch (controller) {
    case 'memory':
      return version === 2
        ? [
            ['memory.max', String(limits.memoryBytes)],
            ['memory.swap.max', '0'],
          ]
        : [
            ['memory.limit_in_bytes', String(limits.memoryBytes)],
            ['memory.memsw.limit_in_bytes', String(limits.memoryBytes)],
          ];
    case 'pids':
      return [['pids.max', String(limits.pids)]];
    case 'cpu':
      return version === 2
        ? [['cpu.max', `${quota} ${cfsPeriodUs}`]]
        : [
            ['cpu.cfs_period_us', String(cfsPeriodUs)],
            ['cpu.cfs_quota_us', quota],
          ];
  }
}

/**
 * Makes the cgroups of a sandbox named `name` and sets `limits` in them. A host whose
 * cgroups turn out unusable (a v2 parent that holds processes itself, say) gets the
 * fallbacks instead; `enforced` says which.
 */
export async function createSandboxLimits(
  name: string,
  limits: Limits,
  spots?: CgroupSpots,
): Promise<SandboxLimits> {
  const found = spots ?? (await findCgroupSpots());
  const made = new Map<string, { version: 1 | 2; controllers: Controller[] }>();
  for (const c of controllers) {
    const spot = found[c];
    if (!spot) continue;
    const dir = join(spot.parent, name);
    made.set(dir, {
      version: spot.version,
      controllers: [...(made.get(dir)?.controllers ?? []), c],
    });
  }
  const usable: CgroupSpots = {};
  const cgroups: string[] = [];
  for (const [dir, { version, controllers: cs }] of made) {
    try {
      await makeCgroup(dir, version, cs, limits);
      cgroups.push(dir);
      for (const c of cs) usable[c] = found[c];
    } catch {
      await removeCgroup(dir).catch(() => undefined);
    }
  }
  const enforced = describe(usable, hasNamespacedNproc());
  return {
    enforced,
    cgroups,
    nproc: enforced.pids === 'RLIMIT_NPROC' ? limits.pids : null,
  };
}

async function makeCgroup(
  dir: string,
  version: 1 | 2,
  cs: Controller[],
  limits: Limits,
): Promise<void> {
  if (version === 2) {
    const parent = join(dir, '..');
    const enabled = new Set(
      (await readFile(join(parent, 'cgroup.subtree_control'), 'utf8')).split(/\s+/),
    );
    const missing = cs.filter((c) => !enabled.has(c));
    if (missing.length > 0) {
      await writeFile(
        join(parent, 'cgroup.subtree_control'),
        missing.map((c) => `+${c}`).join(' '),
      );
    }
  }
  // A leftover of a crashed run of the same sandbox goes first.
  await removeCgroup(dir);
  await mkdir(dir);
  for (const c of cs) {
    for (const [file, value] of limitFiles(c, version, limits)) {
      const path = join(dir, file);
      // Swap is accounted only on some hosts; where it is not, there is nothing to cap.
      if (file.includes('swap') || file.includes('memsw')) {
        if (await exists(path)) await writeFile(path, value);
        continue;
      }
      await writeFile(path, value);
    }
  }
}

async function loadPids(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

/** Kills whatever is left in the cgroup, then removes it. Idempotent. */
export async function removeCgroup(dir: string): Promise<void> {
  if (!(await exists(dir))) return;
  const deadline = Date.now() + emptyWaitMs;
  for (;;) {
    const pids = await loadPids(dir);
    // The kernel lets go of a cgroup a moment after its last task is reaped (EBUSY).
    if (pids.length === 0 && (await tryRmdir(dir))) return;
    // v2 kills the whole cgroup at once, forks included (Linux 5.14+).
    const killed = await writeFile(join(dir, 'cgroup.kill'), '1').then(
      () => true,
      () => false,
    );
    if (!killed) {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    }
    if (Date.now() > deadline) {
      throw new CorralError('IO_ERROR', `The processes in cgroup ${dir} would not end.`);
    }
    await sleep(20);
  }
}

async function tryRmdir(dir: string): Promise<boolean> {
  try {
    await rmdir(dir);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'EBUSY') return false;
    throw error;
  }
}

export async function removeSandboxLimits(cgroups: readonly string[]): Promise<void> {
  for (const dir of cgroups) await removeCgroup(dir);
}
