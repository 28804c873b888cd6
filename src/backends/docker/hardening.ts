/**
 * What a docker sandbox is denied, and what each relaxation gives back: the one place both
 * docker paths (a lone container, container-spec.ts; a Compose project,
 * compose/render-compose-spec.ts) take their security settings from. `getHardening` turns
 * relaxations into engine-neutral settings that each path then spells in its own format;
 * `checkUser` and `checkMounts` refuse what is unsafe without a relaxation naming it.
 *
 * Hardened, a sandbox runs commands as a non-root uid with every capability dropped and
 * no-new-privileges, on a read-only root filesystem whose only writable places are the
 * workspace and a tmpfs at /tmp (HOME is inside it), under memory, CPU and process-count
 * limits, with no host path but the workspace.
 */
import { basename, isAbsolute, posix } from 'node:path';
import { CorralError } from '../../lib/errors.js';
import type {
  Capability,
  EnforcedLimits,
  HostMount,
  Limits,
  Relaxations,
} from '../../state/index.js';
import type { Owner } from './workspace-owner.js';

/** Where the workspace appears inside the container. */
export const containerWorkdir = '/workspace';

/**
 * A writable HOME for agents that keep state there (Claude Code's ~/.claude.json), on the
 * /tmp tmpfs; every exec creates it as the agent's uid (exec-wrapper.ts).
 */
export const containerHome = '/tmp/home';

/** Where `--unsafe-docker-socket` puts the engine's socket, where clients look for it. */
export const socketTarget = '/var/run/docker.sock';

export const rootOwner: Owner = { uid: 0, gid: 0 };

/** The engine enforces every limit (its cgroups), unless `--unsafe-no-limits`. */
export function getEnforcedLimits(relax: Relaxations): EnforcedLimits {
  const by = relax.noLimits ? null : 'the engine';
  return { memory: by, cpus: by, pids: by };
}

export interface Hardening {
  /** Who commands run as. */
  execUser: Owner;
  readOnlyRoot: boolean;
  /** Always all; `capAdd` names what is given back. */
  capDrop: ['ALL'];
  capAdd: Capability[];
  noNewPrivileges: boolean;
  /** Null: no memory, CPU or process-count limit. */
  limits: Limits | null;
  /** The /tmp tmpfs (HOME is inside it): its mount options. */
  tmpfs: { path: '/tmp'; options: string };
  /** Host paths besides the workspace. */
  mounts: HostMount[];
  /** Supplementary groups of the sandbox's processes (the engine socket's group). */
  groupAdd: number[];
}

/**
 * The settings of a sandbox over `user`'s workspace, given what `relax` switches off.
 *
 * @example
 * getHardening({}, { memoryBytes: 2 ** 30, cpus: 1, pids: 256 }, { uid: 1000, gid: 1000 })
 * // { execUser: { uid: 1000, gid: 1000 }, readOnlyRoot: true, capAdd: [], … }
 */
export function getHardening(
  relax: Relaxations,
  limits: Limits,
  user: Owner,
  mounts: readonly HostMount[] = [],
  groupAdd: readonly number[] = [],
): Hardening {
  // Writes to the tmpfs are charged to the container's memory limit, so size it the same.
  const size = relax.noLimits ? '' : `,size=${limits.memoryBytes}`;
  return {
    execUser: relax.rootUser ? rootOwner : user,
    readOnlyRoot: !relax.writableRoot,
    capDrop: ['ALL'],
    capAdd: [...(relax.capAdd ?? [])],
    noNewPrivileges: !relax.newPrivileges,
    limits: relax.noLimits ? null : limits,
    tmpfs: { path: '/tmp', options: `rw,nosuid,nodev,exec,mode=1777${size}` },
    mounts: [...mounts],
    groupAdd: [...groupAdd],
  };
}

function refuse(message: string, hint?: string): never {
  throw new CorralError('USAGE', message, hint ? { hint } : {});
}

function isEngineSocket(path: string): boolean {
  return /^(docker|podman)\.sock$/.test(basename(path));
}

/** Why `target` cannot be mounted over, or undefined when it can. */
function targetProblem(target: string): string | undefined {
  if (!isAbsolute(target)) return 'is not an absolute path';
  if (posix.normalize(target) !== target || (target !== '/' && target.endsWith('/')))
    return 'is not a normalized path';
  if (target === '/') return 'would hide the whole root filesystem';
  if (target === containerWorkdir || target.startsWith(`${containerWorkdir}/`))
    return `is the workspace (${containerWorkdir}), which must stay the only copy of the work`;
  if (target === '/tmp' || target.startsWith('/tmp/'))
    return 'is on the /tmp tmpfs, where HOME and corral’s own files live';
  if (/^\/(proc|sys|dev)(\/|$)/.test(target)) return 'is a kernel filesystem';
  return undefined;
}

/** The engine socket mount `--unsafe-docker-socket` adds, given the socket's host path. */
export function getSocketMount(socketPath: string): HostMount {
  return { source: socketPath, target: socketTarget, readOnly: false };
}

/** Refuses `user` (the `what` of the sandbox) as root unless `relax.rootUser`. */
export function checkUser(relax: Relaxations, what: string, user: Owner): void {
  if (!Number.isInteger(user.uid) || !Number.isInteger(user.gid) || user.uid < 0) {
    refuse(`The ${what} uid:gid ${user.uid}:${user.gid} is not a valid owner.`);
  }
  if (user.uid === 0 && !relax.rootUser) {
    refuse(`The ${what} would run as root.`, 'Set relax.rootUser (--unsafe-root) to allow it.');
  }
}

/**
 * Refuses `mounts` unless `relax` names them (the engine's socket: `dockerSocket`; any
 * other host path: `hostMounts`), and mounts that are not absolute or that would cover the
 * workspace, /tmp or a kernel filesystem.
 */
export function checkMounts(relax: Relaxations, mounts: readonly HostMount[]): void {
  for (const mount of mounts) {
    const text = `${mount.source}:${mount.target}`;
    if (!isAbsolute(mount.source)) refuse(`The mount ${text} needs an absolute host path.`);
    const problem = targetProblem(mount.target);
    if (problem) refuse(`The mount ${text} cannot be made: ${mount.target} ${problem}.`);
    if (isEngineSocket(mount.source) || isEngineSocket(mount.target)) {
      if (!relax.dockerSocket) {
        refuse(
          `The plan mounts the engine socket ${mount.source}, which gives control of the host.`,
          'Set relax.dockerSocket (--unsafe-docker-socket) to allow it.',
        );
      }
    } else if (!relax.hostMounts) {
      refuse(
        `The plan mounts host paths besides the workspace (${mount.source}).`,
        'Set relax.hostMounts (--unsafe-mount) to allow it.',
      );
    }
  }
}
