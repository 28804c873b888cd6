/**
 * Looks up a remote of the source repository: the URL as configured (what tells whether it
 * is a GitHub repository) and the push URL with `insteadOf`/`pushInsteadOf` applied (where
 * git will really connect, and so the only host a token is handed to). What is not the
 * name of a remote may be a URL, or the path of a repository (relative to `cwd`), as for
 * `git push`.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CorralError } from '../../lib/errors.js';
import { parseRemoteUrl } from './remote-url.js';
import { git } from '../git.js';

export interface GitRemote {
  name: string;
  url: string;
  pushUrl: string;
}

export async function loadRemote(
  repo: string,
  name: string,
  options: { cwd?: string } = {},
): Promise<GitRemote> {
  const configured = await git(repo, ['config', '--get', `remote.${name}.url`], {
    allowFailure: true,
  });
  const url = configured.stdout.trim();
  if (configured.exitCode !== 0 || !url) {
    const target = await findUrlOrPath(name, options.cwd ?? process.cwd());
    if (target) return { name: target, url: target, pushUrl: await expandUrl(repo, target) };
    throw new CorralError(
      'REMOTE_NOT_FOUND',
      `'${name}' is neither a remote of ${repo} nor a URL or the path of a repository.`,
      {
        hint: `Pass a remote name (git -C ${repo} remote -v lists them), a URL, or a repository's path.`,
      },
    );
  }
  const push = await git(repo, ['remote', 'get-url', '--push', name], { allowFailure: true });
  return { name, url, pushUrl: push.exitCode === 0 ? push.stdout.trim() || url : url };
}

/** `name` as a URL, or as the absolute path of a directory that exists; else null. */
async function findUrlOrPath(name: string, cwd: string): Promise<string | null> {
  const parsed = parseRemoteUrl(name);
  if (parsed.scheme !== 'local') return name;
  const path = resolve(cwd, name);
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return isDir ? path : null;
}

/** A URL with the repository's `url.<base>.insteadOf` rules applied (where git will connect). */
export async function expandUrl(repo: string, url: string): Promise<string> {
  const r = await git(repo, ['ls-remote', '--get-url', url], { allowFailure: true });
  return (r.exitCode === 0 && r.stdout.trim()) || url;
}
