/**
 * The on-disk record of a local sandbox. A local sandbox has no engine that remembers it,
 * so corral keeps one: `<home>/run/local/<instanceId>/` holds the srt settings file (the
 * fence), `sandbox.json` (what another corral process needs to run more processes in it)
 * and one `pids/<pid>.json` per running process group. The directory sits under corral's
 * state root, which every fence hides, so nothing inside a sandbox can read or change it.
 * Records are what `listSandboxes` reports and what `removeSandbox` cleans up after a
 * crash; a pid is trusted only while its start time still matches (pids get reused).
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { endProcessGroup } from './end-process-group.js';
import { isProcessGroupAlive, loadProcessStartTime } from './process-tree.js';

export interface SandboxRunPaths {
  dir: string;
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
    dir,
    settings: join(dir, 'srt-settings.json'),
    record: join(dir, 'sandbox.json'),
    pids: join(dir, 'pids'),
  };
}

export async function ensureSandboxRunDir(paths: SandboxRunPaths): Promise<void> {
  // Private: sandbox.json holds the sandbox's environment.
  await mkdir(paths.pids, { recursive: true, mode: 0o700 });
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

/** Ends every live recorded process group, then deletes the record. Idempotent. */
export async function removeSandboxRun(paths: SandboxRunPaths, graceMs: number): Promise<void> {
  const live = (await loadPidRecords(paths)).filter(isPidRecordAlive);
  await Promise.all(live.map((r) => endProcessGroup(r.pid, { graceMs })));
  const srtTmpDir = (await loadSandboxRecord(paths))?.srtTmpDir;
  if (srtTmpDir && basename(srtTmpDir).startsWith(srtTmpPrefix)) {
    await rm(srtTmpDir, { recursive: true, force: true });
  }
  await rm(paths.dir, { recursive: true, force: true });
}
