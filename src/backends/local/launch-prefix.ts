/**
 * The programs that run before `node srt` and then become it (each `exec`s the next, so
 * the pid corral spawned and records stays the one srt runs as):
 *
 * - into the sandbox's cgroups (`sandbox-limits.ts`), when limits are enforced there:
 *   whatever srt starts is then counted and capped;
 * - as root only, a private mount namespace in which each directory the sandbox's uid
 *   may not cross is covered by a tmpfs holding just the paths it needs (`reach-plan.ts`),
 *   bound back from the real tree through a descriptor opened before the cover (so no
 *   staging path is needed and `mount --no-canonicalize` resolves the original);
 * - as root only, `setpriv` to the sandbox's uid and gid with no supplementary groups, no
 *   capability in any set (bounding included) and no-new-privileges, so that nothing srt
 *   starts (its proxy, socat, bubblewrap, the command) ever holds root's.
 *
 * Without limits and not as root there is nothing to do and srt is run directly.
 */
import type { CoveredDir } from './reach-plan.js';
import type { SandboxUser } from './sandbox-user.js';

export interface LaunchInput {
  /** Files to write the launcher's pid into (`cgroup.procs` of each sandbox cgroup). */
  cgroupProcs?: readonly string[];
  user?: SandboxUser;
  covered?: readonly CoveredDir[];
}

/** Single-quotes a word for sh: inside single quotes every byte but `'` is literal. */
function q(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The descriptor the original of a covered directory is held open on while its paths are
 * bound back: one at a time, so one number does; not 3, srt's control channel.
 */
const fd = 9;

/** The mount commands that cover `dir` and bind `binds` back, reading the original through `fd`. */
function coverScript(cover: CoveredDir): string[] {
  const lines = [
    `exec ${fd}<${q(cover.dir)}`,
    `mount -t tmpfs -o mode=0711,size=1m,nosuid,nodev,noexec corral-reach ${q(cover.dir)}`,
  ];
  for (const path of cover.binds) {
    const rel = path.slice(cover.dir.length).replace(/^\/+/, '');
    // 0711 directories: the uid may cross the skeleton but not list it. A subshell, so
    // the umask never reaches srt.
    lines.push(`(umask 066 && mkdir -p ${q(`${cover.dir}/${rel}`)})`);
    lines.push(
      `mount --no-canonicalize --rbind ${q(`/proc/self/fd/${fd}/${rel}`)} ${q(`${cover.dir}/${rel}`)}`,
    );
  }
  lines.push(`exec ${fd}<&-`);
  return lines;
}

/**
 * The argv to put before srt's own (`[node, cli, …]`), or `[]` when srt runs directly.
 *
 * @example
 * buildLaunchPrefix({ user: { uid: 2080374785, gid: 2080374785 }, covered: [] })
 * // ['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', '…', 'corral-launch']
 */
export function buildLaunchPrefix(input: LaunchInput): string[] {
  const procs = input.cgroupProcs ?? [];
  if (!input.user && procs.length === 0) return [];
  const lines = ['set -e', ...procs.map((file) => `echo $$ > ${q(file)}`)];
  for (const cover of input.covered ?? []) lines.push(...coverScript(cover));
  // The working directory (the workspace) was entered before the covers: enter it again
  // by its path, through them, as srt will look it up.
  if (input.covered?.length) lines.push('cd -P -- "$PWD"');
  if (input.user) {
    const { uid, gid } = input.user;
    lines.push(
      `exec setpriv --reuid=${uid} --regid=${gid} --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- "$@"`,
    );
  } else {
    lines.push('exec "$@"');
  }
  const shell = ['/bin/sh', '-c', lines.join('\n'), 'corral-launch'];
  return input.user ? ['unshare', '--mount', '--propagation', 'private', '--', ...shell] : shell;
}
