/**
 * Puts a verified setup script into the developer's working tree as `.corral/setup.sh`
 * (mode 755), never over a different one unless asked to (`--force`): the tree is the
 * developer's, and their script may hold what no agent knows. The file is written beside
 * and renamed into place, so a reader never sees half of it and a link there is replaced,
 * not followed.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CorralError } from '../../lib/errors.js';
import { setupScriptPath } from './setup-script.js';

/** Whether the tree holds a setup script, and whether it is this text. */
export async function compareWorkingSetupScript(
  root: string,
  text: string,
): Promise<'absent' | 'same' | 'different'> {
  const path = join(root, setupScriptPath);
  const info = await lstat(path).catch(() => null);
  if (info === null) return 'absent';
  if (!info.isFile()) return 'different';
  return (await readFile(path, 'utf8')) === text ? 'same' : 'different';
}

/** Refuses, before anything runs, to work towards replacing the developer's script. */
export async function refuseOtherSetupScript(root: string, force: boolean): Promise<void> {
  if (force) return;
  const path = join(root, setupScriptPath);
  if ((await lstat(path).catch(() => null)) === null) return;
  throw new CorralError('SETUP_EXISTS', `${path} already exists.`, {
    hint: 'Check it with corral setup --check, or pass --force to replace it with one that works.',
  });
}

/**
 * Writes `text` as the tree's setup script; `written` is false when it was already there.
 * A different script there is refused (SETUP_EXISTS, with `hint`) unless `force`.
 */
export async function keepSetupScript(
  root: string,
  text: string,
  options: { force: boolean; hint: string },
): Promise<{ path: string; written: boolean }> {
  const path = join(root, setupScriptPath);
  const now = await compareWorkingSetupScript(root, text);
  if (now === 'same') return { path, written: false };
  if (now === 'different' && !options.force) {
    throw new CorralError('SETUP_EXISTS', `${path} is there and different; it was left as it is.`, {
      hint: options.hint,
    });
  }
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o755 });
    await chmod(temporary, 0o755);
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
  return { path, written: true };
}
