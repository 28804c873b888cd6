/**
 * Turns a spec's relaxations into what the engine needs, for both docker paths: the host
 * paths to mount besides the workspace (the user's `--unsafe-mount`s, each checked to
 * exist, and the engine's own socket for `--unsafe-docker-socket`, with its group so the
 * sandbox user can use it). Anything that cannot be done is a CorralError (USAGE), raised
 * from `prepare` before an instance is made.
 */
import { stat } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import { CorralError } from '../../lib/errors.js';
import type { HostMount, Relaxations } from '../../state/index.js';
import type { SandboxSpec } from '../backend.js';
import { describeEndpoint, getEngineSocketPath } from './engine-errors.js';
import { checkMounts, getSocketMount } from './hardening.js';

/** The relaxation fields of an InstancePlan (compose/instance-plan.ts), ready to spread. */
export interface ResolvedRelaxations {
  relax: Relaxations;
  extraMounts: HostMount[];
  groupAdd: number[];
}

async function statOrNull(path: string) {
  return stat(path).catch(() => null);
}

/**
 * The mounts and groups `spec.relax` and `spec.mounts` ask for, checked.
 *
 * @example
 * const plan = { ...base, ...(await resolveRelaxations(spec, docker)) };
 */
export async function resolveRelaxations(
  spec: Pick<SandboxSpec, 'relax' | 'mounts'>,
  docker: Dockerode,
): Promise<ResolvedRelaxations> {
  const relax = spec.relax ?? {};
  const extraMounts = [...(spec.mounts ?? [])];
  const groupAdd: number[] = [];
  checkMounts(relax, extraMounts);
  for (const mount of extraMounts) {
    if (!(await statOrNull(mount.source))) {
      throw new CorralError('USAGE', `--unsafe-mount: host path ${mount.source} does not exist.`);
    }
  }
  if (relax.dockerSocket) {
    const socket = await getEngineSocketPath(docker);
    const info = socket ? await statOrNull(socket) : null;
    if (!socket || !info?.isSocket()) {
      throw new CorralError(
        'USAGE',
        `--unsafe-docker-socket needs the engine's unix socket on this host, and the engine is at ${await describeEndpoint(docker)}.`,
      );
    }
    extraMounts.push(getSocketMount(socket));
    if (info.gid !== 0) groupAdd.push(info.gid);
  }
  return { relax, extraMounts, groupAdd };
}
