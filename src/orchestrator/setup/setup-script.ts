/**
 * The repository's setup script, `.corral/setup.sh`: where it lives, how a sandbox runs it,
 * and how it is read, from a commit of the source repository (an agent's branch: git reads
 * the blob, nothing of the agent's runs) or from the developer's working tree. Either way
 * it must be a regular file of text, not empty and not too large; anything else is refused
 * with a line that says why.
 */
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorralError } from '../../lib/errors.js';
import { git } from '../../workspace/index.js';

export const setupScriptPath = '.corral/setup.sh';

/** How a sandbox runs it (battles' grading too: setup-detect.ts), from the top level. */
export const setupScriptCommand = `bash ${setupScriptPath}`;

/** Larger than any setup script a person would read; a bigger file is something else. */
export const maxSetupScriptBytes = 64 * 1024;

export interface SetupScript {
  text: string;
  /** Where it was read: `corral/<id>` (a branch) or the working tree's path. */
  source: string;
}

/**
 * The script as committed at `ref` in the source repository; SETUP_MISSING when it is not
 * there or is not a script.
 */
export async function loadCommittedSetupScript(root: string, ref: string): Promise<SetupScript> {
  const listed = await git(root, ['ls-tree', '-z', ref, '--', setupScriptPath], {
    allowFailure: true,
  });
  const entry = listed.exitCode === 0 ? listed.stdout.split('\0')[0] : undefined;
  if (!entry) throw missing(`${ref} has no ${setupScriptPath}.`);
  // "<mode> <type> <object>\t<path>": only a plain file (100644 or 100755), never a link.
  const [mode, type, object] = entry.split('\t')[0]!.split(' ');
  if (type !== 'blob' || (mode !== '100644' && mode !== '100755') || !object)
    throw missing(`${setupScriptPath} on ${ref} is not a regular file.`);
  const size = Number((await git(root, ['cat-file', '-s', object])).stdout.trim());
  checkSize(size, `${setupScriptPath} on ${ref}`);
  const blob = await git(root, ['cat-file', 'blob', object]);
  return { text: checkText(blob.stdout, `${setupScriptPath} on ${ref}`), source: ref };
}

/**
 * Whether git ignores the script in the repository at `root`: then no sandbox gets it (a
 * snapshot of the tree skips it) and an agent's never comes back on its branch.
 */
export async function isSetupScriptIgnored(root: string): Promise<boolean> {
  const r = await git(root, ['check-ignore', '-q', '--', setupScriptPath], { allowFailure: true });
  return r.exitCode === 0;
}

/** The script in the working tree at `root`, or null when there is none. */
export async function loadWorkingSetupScript(root: string): Promise<SetupScript | null> {
  const path = join(root, setupScriptPath);
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw error;
  });
  if (info === null) return null;
  if (!info.isFile()) throw missing(`${path} is not a regular file.`);
  checkSize(info.size, path);
  const bytes = await readFile(path);
  return { text: checkText(bytes.toString('utf8'), path), source: path };
}

function checkSize(size: number, what: string): void {
  if (size > maxSetupScriptBytes)
    throw missing(`${what} is ${size} bytes, more than a setup script's ${maxSetupScriptBytes}.`);
}

/** Text a person can read: UTF-8 (a bad byte decodes to U+FFFD), no NUL, not only spaces. */
function checkText(text: string, what: string): string {
  if (text.includes('\0') || text.includes('\uFFFD')) throw missing(`${what} is not text.`);
  if (!text.trim()) throw missing(`${what} is empty.`);
  return text;
}

function missing(message: string): CorralError {
  return new CorralError('SETUP_MISSING', message);
}
