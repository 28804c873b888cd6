/**
 * The on-disk record of a local sandbox. A local sandbox has no engine that remembers it,
 * so corral keeps one: `<home>/run/local/<instanceId>/` holds `fence/srt-settings.json`
 * (the fence; its directory is the only one the sandbox's own uid may read, see
 * `sandbox-user.ts`), `sandbox.json` (what another corral process needs to run more
 * processes in it, and to undo what starting it did) and one `pids/<pid>.json` per
 * running process group. The directory sits under corral's state root, which every fence
 * hides, so nothing inside a sandbox can read or change it. Records are what
 * `listSandboxes` reports and what `removeSandbox` cleans up after a crash; a pid is
 * trusted only while its start time still matches (pids get reused).
 */
import { chown, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { endProcessGroup } from './end-process-group.js';
import { giveWorkspaceBack, type Owner } from './hand-over.js';
import { isProcessGroupAlive, loadProcessStartTime } from './process-tree.js';
import { removeSandboxLimits, type LimitEnforcement } from './sandbox-limits.js';
import { killUserProcesses, releaseSandboxUser, type SandboxUser } from './sandbox-user.js';

export interface SandboxRunPaths {
  /** corral's state root the sandbox belongs to. */
  home: string;
  dir: string;
  /** The directory of the settings file, readable by the sandbox's uid. */
  fence: string;
  settings: string;
  record: string;
  pids: string;
}

export interface LocalSandboxRecord {
  instanceId: string;
  /** Real path of the workspace. */
  workspaceDir: string;
  /** HOME inside the sandbox. */
  homeDir: string;
  /**
   * srt's own temporary directory on the host (its TMPDIR). srt leaves a socket behind
   * in it on every run, so each sandbox gets a private one, removed with the record.
   */
  srtTmpDir: string;
  /** The environment srt runs with (the command's, but for TMPDIR; see local-backend.ts). */
  env: Record<string, string>;
  labels: Record<string, string>;
  /**
   * Whether hosts are allowed through srt's proxy. Then every connection, loopback
   * included, must go through the proxy, which filters it: srt's NO_PROXY list would
   * otherwise send a loopback model server straight at a network namespace with no route.
   */
  proxied?: boolean;
  /** The uid:gid srt runs as when corral is root (absent: corral's own). */
  user?: SandboxUser;
  /** Who owned the workspace before it was handed to `user`; it gets it back. */
  owner?: Owner;
  /** What runs before srt and becomes it (`launch-prefix.ts`); empty: srt directly. */
  launchPrefix?: string[];
  /** bubblewrap and bash, for the inner fence (`inner-fence.ts`). */
  bwrap?: string;
  shell?: string;
  /** RLIMIT_NPROC of the command, when no cgroup counts its processes. */
  nproc?: number | null;
  /** The sandbox's cgroup directories (`sandbox-limits.ts`). */
  cgroups?: string[];
  /** What enforces each limit. */
  limits?: LimitEnforcement;
  /** Pid namespaces between srt and the command (`findCommandProcesses`). */
  pidNamespaces?: number;
  createdAt: string;
}

export interface PidRecord {
  pid: number;
  startTime: number;
  argv: string[];
}

/** Names srt's private temporary directories (see `LocalSandboxRecord.srtTmpDir`). */
export const srtTmpPrefix = 'corral-srt-';

export function getLocalRunDir(home: string): string {
  return join(home, 'run', 'local');
}

export function getSandboxRunPaths(home: string, instanceId: string): SandboxRunPaths {
  const dir = join(getLocalRunDir(home), instanceId);
  return {
    home,
    dir,
    fence: join(dir, 'fence'),
    settings: join(dir, 'fence', 'srt-settings.json'),
    record: join(dir, 'sandbox.json'),
    pids: join(dir, 'pids'),
  };
}

/**
 * Makes the run directory: private (sandbox.json holds the sandbox's environment), but for
 * `fence/`, which the sandbox's uid, when there is one, may read through its group.
 */
export async function ensureSandboxRunDir(
  paths: SandboxRunPaths,
  user?: SandboxUser,
): Promise<void> {
  await mkdir(paths.pids, { recursive: true, mode: 0o700 });
  await mkdir(paths.fence, { recursive: true, mode: user ? 0o750 : 0o700 });
  if (user) await chown(paths.fence, process.geteuid?.() ?? 0, user.gid);
}

export async function saveSandboxRecord(
  paths: SandboxRunPaths,
  record: LocalSandboxRecord,
): Promise<void> {
  await writeFileAtomic(paths.record, `${JSON.stringify(record, null, 2)}\n`);
}

export async function loadSandboxRecord(
  paths: SandboxRunPaths,
): Promise<LocalSandboxRecord | undefined> {
  try {
    return JSON.parse(await readFile(paths.record, 'utf8')) as LocalSandboxRecord;
  } catch {
    return undefined;
  }
}

function pidFile(paths: SandboxRunPaths, pid: number): string {
  return join(paths.pids, `${pid}.json`);
}

export async function savePidRecord(paths: SandboxRunPaths, record: PidRecord): Promise<void> {
  await writeFileAtomic(pidFile(paths, record.pid), JSON.stringify(record));
}

export async function removePidRecord(paths: SandboxRunPaths, pid: number): Promise<void> {
  await rm(pidFile(paths, pid), { force: true });
}

export async function loadPidRecords(paths: SandboxRunPaths): Promise<PidRecord[]> {
  const names = await readdir(paths.pids).catch(() => [] as string[]);
  const records = await Promise.all(
    names
      .filter((n) => /^\d+\.json$/.test(n))
      .map(async (n) => {
        try {
          return JSON.parse(await readFile(join(paths.pids, n), 'utf8')) as PidRecord;
        } catch {
          return undefined;
        }
      }),
  );
  return records.filter((r) => r !== undefined);
}

/**
 * True while the recorded process group still exists. Its leader (`node srt`) may have
 * died with the sandbox still running below it; a live leader with another start time is
 * a different process that got the same pid, so the group is not ours.
 */
export function isPidRecordAlive(record: PidRecord): boolean {
  if (!isProcessGroupAlive(record.pid)) return false;
  const startTime = loadProcessStartTime(record.pid);
  return startTime === undefined || startTime === record.startTime;
}

/** Records from before the inner fence had srt's two namespaces only. */
const legacyPidNamespaces = 2;

/**
 * Ends every live recorded process group and whatever is left in the sandbox's cgroups or
 * runs as its uid, gives the workspace back to its owner, releases the uid, then deletes
 * the record. Idempotent.
 */
export async function removeSandboxRun(paths: SandboxRunPaths, graceMs: number): Promise<void> {
  const record = await loadSandboxRecord(paths);
  const levels = record?.pidNamespaces ?? legacyPidNamespaces;
  const live = (await loadPidRecords(paths)).filter(isPidRecordAlive);
  await Promise.all(live.map((r) => endProcessGroup(r.pid, { graceMs, levels })));
  await removeSandboxLimits(record?.cgroups ?? []);
  if (record?.user) {
    await killUserProcesses(record.user);
    if (record.owner) await giveWorkspaceBack(record.workspaceDir, record.user, record.owner);
    await releaseSandboxUser(record.user, paths.home, record.instanceId);
  }
  const srtTmpDir = record?.srtTmpDir;
  if (srtTmpDir && basename(srtTmpDir).startsWith(srtTmpPrefix)) {
    await rm(srtTmpDir, { recursive: true, force: true });
  }
  await rm(paths.dir, { recursive: true, force: true });
}
