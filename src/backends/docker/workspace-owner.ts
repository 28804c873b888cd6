/**
 * Decides which uid:gid the sandbox runs as: the owner of the workspace, so that files the
 * agent writes keep the developer's ownership on the host and no permission fix-ups are
 * needed on bring-back. A workspace owned by root (CI runners, `sudo corral`) would make
 * the agent root, which the sandbox never is: such a workspace is first handed to an
 * unprivileged uid (10001) and the sandbox runs as that.
 */
import { stat } from 'node:fs/promises';
import { exec } from '../../lib/exec.js';
import { CorralError } from '../../lib/errors.js';

export interface Owner {
  uid: number;
  gid: number;
}

/** The uid:gid a root-owned workspace is handed to. */
export const fallbackOwner: Owner = { uid: 10001, gid: 10001 };

/**
 * Changes the owner of `dir` and everything under it with chown(1), an order of magnitude
 * faster than a walk from Node on a large tree. `-R` without `-L` never traverses a symlink
 * and `-h` changes a link itself, not its target: a repository may hold a link to
 * /etc/shadow, and chown must not reach it.
 */
async function chownTree(dir: string, owner: Owner): Promise<void> {
  await exec('chown', ['-R', '-h', `${owner.uid}:${owner.gid}`, dir]);
}

/**
 * Who the sandbox over `workspaceDir` runs as, read from the directory alone and changing
 * nothing: its owner, or the fallback for a root-owned one (unless `keepRoot`). For a
 * workspace still being checked out, this is decided from its empty directory, and
 * `handOverWorkspace` gives it the files once they are written.
 */
export async function decideWorkspaceOwner(
  workspaceDir: string,
  options: { keepRoot?: boolean } = {},
): Promise<Owner> {
  const info = await stat(workspaceDir);
  if (info.uid !== 0 || options.keepRoot) return { uid: info.uid, gid: info.gid };
  return fallbackOwner;
}

/** Hands `workspaceDir` and everything under it to `owner`, unless its directory is theirs. */
export async function handOverWorkspace(workspaceDir: string, owner: Owner): Promise<void> {
  const info = await stat(workspaceDir);
  if (info.uid === owner.uid && info.gid === owner.gid) return;
  try {
    await chownTree(workspaceDir, owner);
  } catch (error) {
    throw new CorralError(
      'IO_ERROR',
      `The workspace ${workspaceDir} is owned by root and could not be handed to uid ${owner.uid}.`,
      { hint: 'Run corral as the user who owns the repository, or as root.', cause: error },
    );
  }
}

/**
 * Returns who owns the workspace the sandbox runs over, handing a root-owned one over first
 * unless `keepRoot`.
 */
export async function ensureWorkspaceOwner(
  workspaceDir: string,
  options: { keepRoot?: boolean } = {},
): Promise<Owner> {
  const owner = await decideWorkspaceOwner(workspaceDir, options);
  await handOverWorkspace(workspaceDir, owner);
  return owner;
}
