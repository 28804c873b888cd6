/**
 * Looks up a remote of the source repository: the URL as configured (what tells whether it
 * is a GitHub repository) and the push URL with `insteadOf`/`pushInsteadOf` applied (where
 * git will really connect, and so the only host a token is handed to).
 */
import { CorralError } from '../../lib/errors.js';
import { git } from '../git.js';

export interface GitRemote {
  name: string;
  url: string;
  pushUrl: string;
}

export async function loadRemote(repo: string, name: string): Promise<GitRemote> {
  const configured = await git(repo, ['config', '--get', `remote.${name}.url`], {
    allowFailure: true,
  });
  const url = configured.stdout.trim();
  if (configured.exitCode !== 0 || !url)
    throw new CorralError('REMOTE_NOT_FOUND', `There is no remote '${name}' in ${repo}.`, {
      hint: `Add it with git remote add ${name} <url>, or pass --remote <name>.`,
    });
  const push = await git(repo, ['remote', 'get-url', '--push', name], { allowFailure: true });
  return { name, url, pushUrl: push.exitCode === 0 ? push.stdout.trim() || url : url };
}

/** A URL with the repository's `url.<base>.insteadOf` rules applied (where git will connect). */
export async function expandUrl(repo: string, url: string): Promise<string> {
  const r = await git(repo, ['ls-remote', '--get-url', url], { allowFailure: true });
  return (r.exitCode === 0 && r.stdout.trim()) || url;
}
