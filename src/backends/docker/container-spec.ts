/**
 * What a lone corral container is, as plain Engine API fields that Docker and Podman's
 * compatible API both understand: which image, which host paths, and no network (a sandbox
 * with a way out is a Compose project behind its gateway, fenced-start.ts). Its
 * hardening (non-root, no capabilities, no-new-privileges, read-only root with a /tmp
 * tmpfs holding HOME, pid/memory/cpu limits, only the workspace from the host) and what
 * each `--unsafe-…` relaxation changes come from hardening.ts, shared with the Compose path.
 *
 * The container's main process is an idle keeper (`sleep infinity` under docker-init);
 * every command runs through exec. The keeper runs as its own unprivileged uid, distinct
 * from the agent's, so an agent that runs `kill -9 -1` cannot end it: without CAP_KILL a
 * process may only signal its own uid, and PID 1 (docker-init) ignores signals from inside
 * its namespace anyway.
 */
import type Dockerode from 'dockerode';
import type { SandboxSpec } from '../backend.js';
import type { HostMount } from '../../state/index.js';
import {
  checkMounts,
  checkUser,
  containerHome,
  containerWorkdir,
  getHardening,
} from './hardening.js';
import type { Owner } from './workspace-owner.js';

export { containerHome, containerWorkdir } from './hardening.js';

/**
 * Docker-specific label: the uid:gid commands run as, so another corral process can find
 * the container and exec in it as the same user.
 */
export const execUserLabel = 'corral.docker.user';

/** Uid:gid of the keeper; never the agent's, so the agent cannot signal it. */
export function getKeeperOwner(agent: Owner): Owner {
  const id = agent.uid === 10999 ? 10998 : 10999;
  return { uid: id, gid: id };
}

export function getContainerName(instanceId: string): string {
  return `corral-${instanceId}`;
}

export function toEnvList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

export interface ContainerSpecOptions {
  /** Host paths besides the workspace: `spec.mounts` plus the engine socket, when relaxed. */
  mounts?: HostMount[];
  /** Supplementary groups of commands (the engine socket's, when it is mounted). */
  groupAdd?: number[];
}

/**
 * The container of `spec` over `owner`'s workspace. Throws a CorralError (USAGE) for a
 * spec that is unsafe without saying so in `spec.relax`.
 */
export function getContainerSpec(
  spec: SandboxSpec & { image: string },
  owner: Owner,
  options: ContainerSpecOptions = {},
): Dockerode.ContainerCreateOptions {
  const relax = spec.relax ?? {};
  const mounts = options.mounts ?? spec.mounts ?? [];
  const h = getHardening(relax, spec.limits, owner, mounts, options.groupAdd);
  const keeper = getKeeperOwner(h.execUser);
  checkUser(relax, 'sandbox user', h.execUser);
  checkMounts(relax, h.mounts);
  return {
    name: getContainerName(spec.instanceId),
    Image: spec.image,
    // Entrypoint and Cmd both set, so an image's own ENTRYPOINT/CMD cannot replace the keeper.
    Entrypoint: ['sleep'],
    Cmd: ['infinity'],
    User: `${keeper.uid}:${keeper.gid}`,
    WorkingDir: containerWorkdir,
    // The image's ENV (PATH) plus spec.env; the host's environment never reaches the engine.
    Env: toEnvList({ HOME: containerHome, ...spec.env }),
    Labels: { ...spec.labels, [execUserLabel]: `${h.execUser.uid}:${h.execUser.gid}` },
    HostConfig: {
      Mounts: [
        { Type: 'bind', Source: spec.workspaceDir, Target: containerWorkdir, ReadOnly: false },
        ...h.mounts.map((m) => ({
          Type: 'bind' as const,
          Source: m.source,
          Target: m.target,
          ReadOnly: m.readOnly,
        })),
      ],
      Tmpfs: { [h.tmpfs.path]: h.tmpfs.options },
      ReadonlyRootfs: h.readOnlyRoot,
      CapDrop: h.capDrop,
      ...(h.capAdd.length ? { CapAdd: h.capAdd } : {}),
      ...(h.groupAdd.length ? { GroupAdd: h.groupAdd.map(String) } : {}),
      SecurityOpt: h.noNewPrivileges ? ['no-new-privileges'] : [],
      Privileged: false,
      ...(h.limits
        ? {
            PidsLimit: h.limits.pids,
            Memory: h.limits.memoryBytes,
            MemorySwap: h.limits.memoryBytes,
            NanoCpus: Math.round(h.limits.cpus * 1e9),
          }
        : {}),
      // No interface but loopback.
      NetworkMode: 'none',
      IpcMode: 'private',
      Init: true,
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
    },
  };
}
