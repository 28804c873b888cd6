/**
 * Hands a workspace to a sandbox's own uid for a run, and gives it back to its owner
 * afterwards, so that the agent can write its work tree and the developer (or root, who
 * made the workspace) owns every file again once it ends, `--keep` or not.
 *
 * The walk is chown(1)'s: `-R` never follows a symlink into a directory (`-P`) and `-h`
 * changes a link itself, never its target, through directory descriptors, so a
 * workspace the agent filled with links to /etc cannot make root chown anything outside
 * it. Giving back changes only what the sandbox's uid owns (`--from`): nothing of the
 * owner's is touched twice. Both run with no process of that uid alive (see
 * `killUserProcesses`), so nothing swaps a directory under the walk. chown also clears the
 * setuid and setgid bits of whatever it hands back, so the agent cannot leave a setuid
 * program owned by root behind.
 */
import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exec } from '../../lib/exec.js';
import { CorralError } from '../../lib/errors.js';
import { isSandboxUid, type SandboxUser } from './sandbox-user.js';

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * Who owns `workspaceDir` when no sandbox holds it. A workspace still owned by a sandbox
 * uid (a run whose record was lost) belongs to whoever owns the directory it is in.
 */
export async function loadWorkspaceOwner(workspaceDir: string): Promise<Owner> {
  const info = await lstat(workspaceDir);
  if (!isSandboxUid(info.uid)) return { uid: info.uid, gid: info.gid };
  const parent = await lstat(dirname(workspaceDir));
  return { uid: parent.uid, gid: parent.gid };
}

async function chownTree(args: string[], dir: string, what: string): Promise<void> {
  const r = await exec('chown', ['-R', '-P', '-h', ...args, '--', dir], { allowFailure: true });
  if (r.exitCode === 0) return;
  throw new CorralError('IO_ERROR', `Could not ${what} ${dir}: ${r.stderr.trim()}`);
}

export async function handWorkspaceTo(workspaceDir: string, user: SandboxUser): Promise<void> {
  await chownTree([`${user.uid}:${user.gid}`], workspaceDir, `hand to uid ${user.uid}`);
}

export async function giveWorkspaceBack(
  workspaceDir: string,
  user: SandboxUser,
  owner: Owner,
): Promise<void> {
  const present = await lstat(workspaceDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!present) return;
  await chownTree(
    [`--from=${user.uid}`, `${owner.uid}:${owner.gid}`],
    workspaceDir,
    'give back to its owner',
  );
}
