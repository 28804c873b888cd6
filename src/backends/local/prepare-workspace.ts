/**
 * Prepares a workspace for sandbox-runtime. Two things need doing before the first
 * process runs:
 *
 * - HOME. Agents need a writable home (`~/.claude.json`, caches), and the fence allows
 *   writes only in the workspace. HOME is `<workspace>/.git/corral-home`: git never tracks
 *   what is inside `.git`, so nothing there ends up on the user's branch. A workspace that
 *   is not a git repository (only tests make those) gets `<workspace>/.corral-home`.
 * - Placeholders. While a command runs, sandbox-runtime mounts `/dev/null` over files such
 *   as `.bashrc` and `.gitconfig` in the workspace root, so the command cannot create
 *   them. Inside the sandbox they show up as untracked character devices, and
 *   `git add -A` refuses them. They are listed in `.git/info/exclude` (for the agent's own
 *   git) and given to bring-back as the sandbox's `placeholders` (its git reads nothing of
 *   the agent's); either way only untracked files are affected: a repository that tracks
 *   one of them is unchanged (sandbox-runtime then protects the real file).
 */
import {
  DANGEROUS_FILES,
  getDangerousDirectories,
} from '@anthropic-ai/sandbox-runtime/dist/sandbox/sandbox-utils.js';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What sandbox-runtime may mount in the workspace root, as gitignore patterns. */
export const placeholderPatterns: readonly string[] = [
  ...DANGEROUS_FILES,
  ...getDangerousDirectories(),
].map((n) => `/${n}`);

const excludeHeader = '# corral local backend: sandbox-runtime mounts placeholders here';

type Kind = 'missing' | 'directory' | 'file' | 'other';

/** What is at `path`, without following a symlink: one the workspace planted could lead
 * the host to write anywhere. */
async function kindOf(path: string): Promise<Kind> {
  const s = await lstat(path).catch(() => undefined);
  if (!s) return 'missing';
  return s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'other';
}

/** Creates the sandbox's HOME and returns its path. */
async function ensureSandboxHome(workspaceDir: string): Promise<string> {
  const gitDir = join(workspaceDir, '.git');
  const home =
    (await kindOf(gitDir)) === 'directory'
      ? join(gitDir, 'corral-home')
      : join(workspaceDir, '.corral-home');
  await mkdir(home, { recursive: true, mode: 0o700 });
  return home;
}

/** Adds sandbox-runtime's placeholders to `.git/info/exclude` once. */
async function ensurePlaceholderExcludes(workspaceDir: string): Promise<void> {
  const gitDir = join(workspaceDir, '.git');
  const info = join(gitDir, 'info');
  const exclude = join(info, 'exclude');
  if ((await kindOf(gitDir)) !== 'directory') return;
  const infoKind = await kindOf(info);
  if (infoKind === 'missing') await mkdir(info);
  else if (infoKind !== 'directory') return;
  const excludeKind = await kindOf(exclude);
  if (excludeKind !== 'missing' && excludeKind !== 'file') return;
  const current = excludeKind === 'file' ? await readFile(exclude, 'utf8') : '';
  if (current.includes(excludeHeader)) return;
  const block = [excludeHeader, ...placeholderPatterns, ''].join('\n');
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
  const handle = await open(exclude, flags, 0o644);
  try {
    await handle.writeFile(current === '' || current.endsWith('\n') ? block : `\n${block}`);
  } finally {
    await handle.close();
  }
}

/** Readies `workspaceDir` (a real path) for sandboxed processes; returns their HOME. */
export async function prepareWorkspace(workspaceDir: string): Promise<string> {
  await ensurePlaceholderExcludes(workspaceDir);
  return ensureSandboxHome(workspaceDir);
}
