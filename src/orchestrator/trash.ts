/**
 * Removing a workspace of thousands of files takes a noticeable fraction of a second, and
 * the user should not wait for it: the workspace is renamed into `$CORRAL_HOME/trash/`
 * (instant, same filesystem) and deleted by a detached `rm`. `corral gc` empties whatever
 * an interrupted removal left there.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export function getTrashDir(home: string): string {
  return join(home, 'trash');
}

export async function discardWorkspace(home: string, id: string, workspace: string): Promise<void> {
  const trash = join(getTrashDir(home), `${id}-${randomBytes(3).toString('hex')}`);
  try {
    await mkdir(getTrashDir(home), { recursive: true });
    await rename(workspace, trash);
  } catch {
    await rm(workspace, { recursive: true, force: true });
    return;
  }
  const child = spawn('rm', ['-rf', '--', trash], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}

/** What is left in the trash (for gc). */
export async function listTrash(home: string): Promise<string[]> {
  const entries = await readdir(getTrashDir(home)).catch(() => []);
  return entries.map((e) => join(getTrashDir(home), e));
}
