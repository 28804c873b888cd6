/**
 * The unprivileged user a local sandbox runs as when corral runs as root. As root,
 * sandbox-runtime maps uid 0 into the sandbox's user namespace with every capability: the
 * agent would write files as the host's root and override the permissions of every
 * root-owned file it can see. So corral runs srt itself (and so bubblewrap) as a uid of
 * its own instead, one per sandbox from a range no account uses (systemd's "unused" span,
 * below its foreign-uid range): two sandboxes never share a uid, so neither can touch the
 * other's files or processes should a fence fail, and "every process of this uid" is
 * exactly the sandbox's (see `killUserProcesses`). The uid has no passwd entry and no
 * supplementary groups; its gid is the same number.
 *
 * A uid is claimed by creating `<claims>/<uid>` exclusively in a root-only directory every
 * corral process on the host shares (whatever its CORRAL_HOME), and released once the
 * sandbox is gone and its workspace given back. A claim whose claimer is dead, whose
 * sandbox record is gone and whose uid runs nothing is stale and taken over.
 */
import { randomInt } from 'node:crypto';
import { lstat, mkdir, open, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../../lib/exec.js';
import { CorralError } from '../../lib/errors.js';
import { loadProcessStartTime } from './process-tree.js';

export interface SandboxUser {
  uid: number;
  gid: number;
}

/** Who holds a claim: the sandbox it is for, and the process that made it. */
export interface UserClaim {
  home: string;
  instanceId: string;
  pid: number;
  startTime: number;
}

export const sandboxUidBase = 0x7c000000;
export const sandboxUidCount = 0x10000;

/** Whether sandboxes run as a uid of their own: only when corral itself is root. */
export function needsSandboxUser(): boolean {
  return process.geteuid?.() === 0;
}

export function isSandboxUid(uid: number): boolean {
  return uid >= sandboxUidBase && uid < sandboxUidBase + sandboxUidCount;
}

/** /run is per boot, like the uids in use; a host without one uses the temporary directory. */
async function getClaimsDir(): Promise<string> {
  const run = await lstat('/run').catch(() => undefined);
  return run?.isDirectory() ? '/run/corral-local-uids' : join(tmpdir(), 'corral-local-uids');
}

async function ensureClaimsDir(dir?: string): Promise<string> {
  const claims = dir ?? (await getClaimsDir());
  await mkdir(claims, { recursive: true, mode: 0o700 });
  const info = await lstat(claims);
  // Shared by every corral on the host: it must be root's alone, or claims could be forged.
  if (!info.isDirectory() || info.uid !== process.geteuid?.() || (info.mode & 0o077) !== 0) {
    throw new CorralError('IO_ERROR', `${claims} is not a directory only root can use.`, {
      hint: `Remove it; corral makes it again.`,
    });
  }
  return claims;
}

/**
 * Claims a free uid for the sandbox of `instanceId` in `home` (`claimsDir`: tests only).
 *
 * @example
 * const user = await claimSandboxUser(home, 'shell-k3x9q'); // { uid: 2080391234, gid: 2080391234 }
 */
export async function claimSandboxUser(
  home: string,
  instanceId: string,
  claimsDir?: string,
): Promise<SandboxUser> {
  const dir = await ensureClaimsDir(claimsDir);
  const claim: UserClaim = {
    home,
    instanceId,
    pid: process.pid,
    startTime: loadProcessStartTime(process.pid) ?? 0,
  };
  const first = randomInt(sandboxUidCount);
  for (let i = 0; i < sandboxUidCount; i++) {
    const uid = sandboxUidBase + ((first + i) % sandboxUidCount);
    if (await tryClaim(dir, uid, claim)) return { uid, gid: uid };
  }
  throw new CorralError('IO_ERROR', `Every sandbox uid (${sandboxUidCount}) is in use.`, {
    hint: 'Stop some local instances, or run corral gc.',
  });
}

async function tryClaim(dir: string, uid: number, claim: UserClaim): Promise<boolean> {
  const path = join(dir, String(uid));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(claim));
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (attempt > 0 || !(await isStaleClaim(path, uid))) return false;
      await rm(path, { force: true });
    }
  }
  return false;
}

async function loadClaim(path: string): Promise<UserClaim | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as UserClaim;
  } catch {
    return undefined;
  }
}

/** A claim is stale when its claimer is gone, no record holds the uid and the uid runs nothing. */
export async function isStaleClaim(path: string, uid: number): Promise<boolean> {
  const claim = await loadClaim(path);
  if (claim) {
    if (loadProcessStartTime(claim.pid) === claim.startTime) return false;
    const record = join(claim.home, 'run', 'local', claim.instanceId, 'sandbox.json');
    const recorded = await readFile(record, 'utf8').then(
      (text) => (JSON.parse(text) as { user?: SandboxUser }).user?.uid === uid,
      () => false,
    );
    if (recorded) return false;
  }
  return (await listUserProcesses(uid)).length === 0;
}

/** Gives the uid back, if `home`/`instanceId` still hold it. */
export async function releaseSandboxUser(
  user: SandboxUser,
  home: string,
  instanceId: string,
  claimsDir?: string,
): Promise<void> {
  const dir = await ensureClaimsDir(claimsDir);
  const path = join(dir, String(user.uid));
  const claim = await loadClaim(path);
  if (claim && (claim.home !== home || claim.instanceId !== instanceId)) return;
  await rm(path, { force: true });
}

/**
 * Pids of the live processes whose real uid is `uid`. Zombies are left out: they run
 * nothing, and one whose parent went first waits for the host's init to reap it.
 */
export async function listUserProcesses(uid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) continue;
    if (/^State:\s+[ZX]/m.test(status)) continue;
    pids.push(Number(entry));
  }
  return pids;
}

/**
 * Kills every process of the sandbox's uid, wherever it is (another session, a process it
 * daemonized): `kill -KILL -1` run as that uid reaches exactly the processes it may
 * signal, which for a uid of its own are its own, and does it in one pass the kernel
 * makes atomic against forks. Repeated until none is left, so that nothing can change the
 * workspace while it is given back.
 */
export async function killUserProcesses(user: SandboxUser): Promise<void> {
  for (let round = 0; round < 20; round++) {
    if ((await listUserProcesses(user.uid)).length === 0) return;
    await exec(
      'setpriv',
      [
        `--reuid=${user.uid}`,
        `--regid=${user.gid}`,
        '--clear-groups',
        '--',
        'sh',
        '-c',
        'kill -KILL -1',
      ],
      { allowFailure: true },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new CorralError('IO_ERROR', `Processes of sandbox uid ${user.uid} would not end.`);
}
