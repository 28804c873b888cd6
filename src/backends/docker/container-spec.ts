/**
 * The one place that says what a corral container is: which image, which single host path,
 * which limits and which privileges it lacks. Everything the security model promises for
 * the docker backend (non-root, no capabilities, no-new-privileges, read-only root, no
 * network, pid/memory/cpu limits, only the workspace from the host) is decided here, as
 * plain Engine API fields that Docker and Podman's compatible API both understand.
 *
 * The container's main process is an idle keeper (`sleep infinity` under docker-init);
 * every command runs through exec. The keeper runs as its own unprivileged uid, distinct
 * from the agent's, so an agent that runs `kill -9 -1` cannot end it: without CAP_KILL a
 * process may only signal its own uid, and PID 1 (docker-init) ignores signals from inside
 * its namespace anyway.
 */
import type Dockerode from 'dockerode';
import type { SandboxSpec } from '../backend.js';
import type { Owner } from './workspace-owner.js';

/** Where the workspace appears inside the container. */
export const containerWorkdir = '/workspace';

/** A writable HOME for agents that keep state there (Claude Code's ~/.claude.json). */
export const containerHome = '/tmp/home';

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

/**
 * Where a sandbox's network goes. `none`: no interface but loopback. `open` (an agent
 * reaching its model API, until the gateway fences it): the engine's default bridge, or
 * the network named by `openNetwork`, with the host reachable as host.docker.internal.
 */
function networkOf(spec: SandboxSpec, openNetwork: string | undefined) {
  if (spec.network !== 'open') return { NetworkMode: 'none' };
  return {
    NetworkMode: openNetwork ?? 'bridge',
    ExtraHosts: ['host.docker.internal:host-gateway'],
  };
}

export function getContainerSpec(
  spec: SandboxSpec & { image: string },
  agent: Owner,
  openNetwork?: string,
): Dockerode.ContainerCreateOptions {
  const keeper = getKeeperOwner(agent);
  const { memoryBytes, cpus, pids } = spec.limits;
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
    Labels: { ...spec.labels, [execUserLabel]: `${agent.uid}:${agent.gid}` },
    HostConfig: {
      Mounts: [
        { Type: 'bind', Source: spec.workspaceDir, Target: containerWorkdir, ReadOnly: false },
      ],
      // Writes to the tmpfs are charged to the container's memory limit, so size it the same.
      Tmpfs: { '/tmp': `rw,nosuid,nodev,exec,mode=1777,size=${memoryBytes}` },
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      PidsLimit: pids,
      Memory: memoryBytes,
      MemorySwap: memoryBytes,
      NanoCpus: Math.round(cpus * 1e9),
      ...networkOf(spec, openNetwork),
      IpcMode: 'private',
      Init: true,
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
    },
  };
}
