/**
 * Reads git remote URLs in the forms people write them (`https://host/o/r.git`,
 * `ssh://git@host:22/o/r`, scp-like `git@host:o/r.git`, local paths) into their parts, and
 * recognises a github.com repository in any of them. Pure string work; no git runs here.
 */

export interface RemoteUrl {
  scheme: 'https' | 'http' | 'ssh' | 'git' | 'file' | 'local';
  /** Lower-cased host name, without port or user; null for local paths. */
  hostname: string | null;
  /** Host as git's credential protocol names it: `host[:port]`; null for local paths. */
  host: string | null;
  /** Path on the host, without leading slash. */
  path: string;
}

export interface GitHubRepo {
  owner: string;
  repo: string;
}

const scpLike = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.*)$/;

export function parseRemoteUrl(url: string): RemoteUrl {
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (schemeMatch) {
    const raw = schemeMatch[1]!.toLowerCase();
    const scheme = raw === 'git+ssh' || raw === 'ssh+git' ? 'ssh' : raw;
    if (scheme === 'file')
      return { scheme: 'file', hostname: null, host: null, path: url.slice(7) };
    let parsed: URL;
    try {
      parsed = new URL(url.replace(/^[^:]+:/, 'http:'));
    } catch {
      return { scheme: 'local', hostname: null, host: null, path: url };
    }
    const known = ['https', 'http', 'ssh', 'git'] as const;
    const s = known.find((k) => k === scheme);
    if (!s) return { scheme: 'local', hostname: null, host: null, path: url };
    const hostname = parsed.hostname.toLowerCase();
    return {
      scheme: s,
      hostname,
      host: parsed.port ? `${hostname}:${parsed.port}` : hostname,
      path: decodeURIComponent(parsed.pathname.replace(/^\/+/, '')),
    };
  }
  const scp = scpLike.exec(url);
  // `C:\repo` and `./a:b` are paths, not hosts.
  if (scp && !/^[a-z]$/i.test(scp[1]!) && !url.startsWith('.') && !url.startsWith('/')) {
    const hostname = scp[1]!.toLowerCase();
    return { scheme: 'ssh', hostname, host: hostname, path: scp[2]!.replace(/^\/+/, '') };
  }
  return { scheme: 'local', hostname: null, host: null, path: url };
}

/**
 * The github.com repository a remote URL names, or null.
 *
 * @example getGitHubRepo('git@github.com:acme/widgets.git') // { owner: 'acme', repo: 'widgets' }
 */
export function getGitHubRepo(url: string): GitHubRepo | null {
  const u = parseRemoteUrl(url);
  if (u.hostname !== 'github.com' && u.hostname !== 'www.github.com') return null;
  if (u.scheme === 'file' || u.scheme === 'local') return null;
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(u.path);
  if (!m || m[2] === '.' || m[2] === '..') return null;
  return { owner: m[1]!, repo: m[2]! };
}

/** The https URL of a GitHub repository (used to push with a token when the remote is ssh). */
export function getGitHubHttpsUrl(repo: GitHubRepo): string {
  return `https://github.com/${repo.owner}/${repo.repo}.git`;
}

/** A URL safe to print: any user:password part is dropped. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

/** True for hosts that never leave the machine (plain http to them is acceptable). */
export function isLoopbackHost(hostname: string | null): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    hostname === '::1' ||
    (hostname !== null && /^127\.\d+\.\d+\.\d+$/.test(hostname))
  );
}
