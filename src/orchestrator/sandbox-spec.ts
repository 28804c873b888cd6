/**
 * The one place a sandbox spec is derived from an instance record: what a resume's
 * `prepare` checks and what the supervisor starts are the same spec. A run adds only what
 * it alone knows (`RunAdditions`): the hosts its agent's model API needs besides the
 * policy's, the fence that holds its keys, the host tools it runs and the PATH they are on
 * (`getRunAdditions`, the same for a sandbox started beside the checkout and one started
 * by the run).
 */
import { getAgent } from '../agents/index.js';
import type { SandboxFence, SandboxSpec } from '../backends/backend.js';
import { instanceLabels } from '../backends/labels.js';
import type { Metadata } from '../state/index.js';

export interface RunAdditions {
  /** Every host the sandbox may reach (the policy's and the model API's). */
  allowHosts: string[];
  /** Commands run from the host's installs (the local backend makes them readable). */
  tools: string[];
  hostPath?: string;
  fence?: SandboxFence;
}

export function getSandboxSpec(
  m: Metadata,
  where: { home: string; workspace: string },
  run?: RunAdditions,
): SandboxSpec {
  return {
    instanceId: m.id,
    workspaceDir: where.workspace,
    image: m.image,
    env: { CORRAL_INSTANCE: m.id },
    limits: m.limits,
    relax: m.relax,
    mounts: m.mounts,
    labels: instanceLabels(m.id, where.home),
    network: m.network,
    ...(run
      ? {
          allowHosts: run.allowHosts,
          tools: run.tools,
          ...(run.hostPath ? { hostPath: run.hostPath } : {}),
          ...(run.fence ? { fence: run.fence } : {}),
        }
      : {}),
  };
}

/**
 * What a run adds to its sandbox's spec: `baseHosts` its agent's model API needs, the
 * hosts of its policy, the fence that holds its keys (on the outbound network the user
 * names with CORRAL_DOCKER_NETWORK), its agent's CLI and the asker's PATH (`env`).
 */
export function getRunAdditions(
  m: Metadata,
  run: {
    baseHosts: string[];
    policyHosts: string[];
    fence: SandboxFence | undefined;
    env: NodeJS.ProcessEnv;
  },
): RunAdditions {
  const adapter = getAgent(m.agent);
  const { fence, env } = run;
  return {
    allowHosts: [...run.baseHosts, ...run.policyHosts],
    // The agent's CLI, run from the host's install on the local backend.
    tools: adapter.binary && adapter.binary !== 'sh' ? [adapter.binary] : [],
    ...(env.PATH ? { hostPath: env.PATH } : {}),
    ...(fence
      ? {
          fence: env.CORRAL_DOCKER_NETWORK
            ? { ...fence, outboundNetwork: env.CORRAL_DOCKER_NETWORK }
            : fence,
        }
      : {}),
  };
}
