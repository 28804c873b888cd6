/**
 * A fenced docker instance (every one with a way out): a Compose project of two services,
 * its internal network on a subnet of corral's own and its gateway on the shared outbound
 * network (fence-networks.ts), so many can run at once. The agent container (the
 * same image, workspace, limits, labels and uids as the lone one) sits only on an internal
 * network; its one way out is the gateway sidecar, which holds the real model keys (passed
 * to Compose by name, their values only in its process environment), forwards model-API
 * calls with them and lets other traffic through only as the instance's live policy says.
 *
 * Everything lands in the state dir: compose.yml, the gateway's config (gateway.json),
 * egress.log, usage.log and requests.log (appended to by the gateway through file mounts),
 * and compose.log when the sandbox stops. Then the project is taken down, or, for a kept
 * instance, only stopped (removed by the next start or `corral rm`). The agent asks for
 * hosts and packages at the gateway's requests server (`CORRAL_REQUEST_URL`); the host's
 * answers reach the gateway in the `policy/` directory.
 */
import { chown, mkdir, open, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { readAppliedPolicy, appliedPolicyFileName } from '../../gateway/applied-policy.js';
import { CorralError } from '../../lib/errors.js';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import type { EnforcedLimits } from '../../state/index.js';
import type {
  DetachedProcess,
  ExecResult,
  LaunchSpec,
  ProcessRef,
  ProcessSpec,
  Sandbox,
  SandboxFence,
  SandboxProcess,
  SandboxSpec,
} from '../backend.js';
import {
  agentService,
  ComposeProject,
  gatewayConfigPath,
  gatewayLogDir,
  gatewayPolicyDir,
  gatewayService,
  renderComposeSpec,
  sweepComposeProject,
  writeComposeFile,
  type ComposeCli,
  type InstancePlan,
} from './compose/index.js';
import { containerWorkdir } from './container-spec.js';
import { getEnforcedLimits } from './hardening.js';
import type { DockerSandbox } from './docker-sandbox.js';
import { getGatewayImageTag } from './gateway-image.js';
import { findImagesDir } from './sandbox-image.js';
import { ensureSharedOutboundNetwork, listSubnets, pickInternalSubnet } from './fence-networks.js';
import type { ResolvedRelaxations } from './resolve-relaxations.js';
import { fallbackOwner, type Owner } from './workspace-owner.js';

/** Port of the gateway's egress proxy (the agent's HTTP(S)_PROXY). */
export const fenceProxyPort = 3128;

/** The gateway port of each model API: the agent's base URL is `http://gateway:<port>`. */
export const fenceModelPorts = { anthropic: 8081, openai: 8082, google: 8083 } as const;

/** Port of the gateway's requests server, where `corral-request` in the sandbox asks. */
export const fenceRequestsPort = 3130;

/** The agent's requests, in the state dir (the gateway's request-record.ts names them too). */
const requestsLogName = 'requests.log';
/** The person's answers, in the policy dir. */
const requestAnswersName = 'request-answers.json';
/** The hosts a setup may reach besides the policy, in the policy dir (the supervisor's). */
const setupPolicyName = 'setup.json';
/** How long the gateway may take to put a setup's hosts in force or out of it. */
const setupHostsMs = 20_000;

/** The gateway's config file, in the state dir. */
export const gatewayConfigName = 'gateway.json';

/** The gateway's entry point inside its image (images/gateway/Dockerfile). */
const gatewayCommand = ['node', '/opt/corral-gateway/gateway/main.js', gatewayConfigPath];
const gatewayReadyMs = 20_000;

/** The base URL the agent uses for `api`, by the gateway's service name. */
export function getFenceEndpoint(api: keyof typeof fenceModelPorts): string {
  return `http://${gatewayService}:${fenceModelPorts[api]}`;
}

/**
 * A sandbox whose commands run in one container of a project. `settle()` ends the agent's
 * container and writes compose.log; `stop()` settles, then releases the whole project
 * (`down`, or only stopped for a kept instance). Both idempotent.
 */
export class FencedSandbox implements Sandbox {
  readonly workdir = containerWorkdir;
  private settling: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly agent: DockerSandbox,
    /** compose.log written (none for a sandbox found again), and the project freed. */
    private readonly leave: { logs?: () => Promise<unknown>; release: () => Promise<void> },
    readonly limits?: EnforcedLimits,
    /** The setup file and the gateway's applied record (absent on a sandbox found again). */
    private readonly setupFiles?: { policy: string; applied: string },
  ) {}

  /**
   * Lets the setup reach `hosts` besides the policy (none: back to the policy alone), and
   * resolves once the gateway says it has them in force: the agent, started next, never
   * finds the setup's hosts still open.
   */
  async setSetupHosts(hosts: string[]): Promise<void> {
    const files = this.setupFiles;
    if (!files)
      throw new CorralError('INTERNAL', `The sandbox ${this.id} was found again: it has no setup.`);
    const want = [...new Set(hosts)].sort();
    await writeFileAtomic(files.policy, `${JSON.stringify({ allow: want })}\n`);
    const deadline = Date.now() + setupHostsMs;
    for (;;) {
      const applied = await readAppliedPolicy(files.applied);
      if (applied && JSON.stringify([...applied.setup].sort()) === JSON.stringify(want)) return;
      if (Date.now() > deadline) {
        throw new CorralError(
          'INSTANCE_NOT_RUNNING',
          `The gateway of ${this.id.slice(0, 12)} did not put the setup's hosts ${want.length ? 'in force' : 'out of force'} within ${setupHostsMs / 1000} s.`,
        );
      }
      await delay(50);
    }
  }

  get id(): string {
    return this.agent.id;
  }

  spawn(spec: ProcessSpec): Promise<SandboxProcess> {
    return this.agent.spawn(spec);
  }

  launch(spec: LaunchSpec): Promise<DetachedProcess> {
    return this.agent.launch(spec);
  }

  reattach(ref: ProcessRef): DetachedProcess {
    return this.agent.reattach(ref);
  }

  exec(
    argv: string[],
    options?: { env?: Record<string, string>; signal?: AbortSignal },
  ): Promise<ExecResult> {
    return this.agent.exec(argv, options);
  }

  /** Nothing the agent left running reaches the gateway once the run has ended. */
  settle(): Promise<void> {
    this.settling ??= (async () => {
      await this.agent.kill().catch(() => undefined);
      await this.leave.logs?.().catch(() => undefined);
    })();
    return this.settling;
  }

  stop(): Promise<void> {
    // A failed release (engine down) may be retried by calling stop() again.
    this.stopping ??= this.settle()
      .then(() => this.leave.release())
      .catch((error: unknown) => {
        this.stopping = undefined;
        throw error;
      });
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

export interface FencedStartOptions {
  docker: Dockerode;
  spec: SandboxSpec & { image: string; workspaceDir: string };
  fence: SandboxFence;
  /** Who commands run as (the workspace owner); the gateway runs as it too, unless root. */
  owner: Owner;
  /** The agent container's `--unsafe-…` relaxations, checked (the gateway's are none). */
  relaxed: ResolvedRelaxations;
  /** An existing engine network the gateway uses as its way out (CORRAL_DOCKER_NETWORK). */
  outboundNetwork?: string;
  /** The Compose CLI to bring the project up with. */
  cli: ComposeCli;
  signal?: AbortSignal;
}

function gatewayConfig(fence: SandboxFence): unknown {
  const apis = new Set<string>();
  for (const model of fence.models) {
    if (apis.has(model.api)) {
      throw new CorralError('USAGE', `The fence names the ${model.api} API twice.`);
    }
    apis.add(model.api);
    if (!(model.keyEnv in fence.secrets)) {
      throw new CorralError('USAGE', `The fence has no secret for ${model.keyEnv}.`);
    }
  }
  return {
    listenHost: '0.0.0.0',
    egress: {
      port: fenceProxyPort,
      policyPath: `${gatewayPolicyDir}/egress.json`,
      setupPolicyPath: `${gatewayPolicyDir}/${setupPolicyName}`,
      appliedPath: `${gatewayLogDir}/${appliedPolicyFileName}`,
      logPath: `${gatewayLogDir}/egress.log`,
    },
    models: fence.models.map((m) => ({
      api: m.api,
      port: fenceModelPorts[m.api],
      upstream: m.upstream,
      keyEnv: m.keyEnv,
      pathPrefix: m.pathPrefix,
    })),
    usageLogPath: `${gatewayLogDir}/usage.log`,
    // The gateway serves the agent alone, not whatever else is on its outbound network.
    clients: [agentService],
    ...(fence.prices ? { prices: fence.prices } : {}),
    ...(fence.modelPolicy ? { modelPolicy: fence.modelPolicy } : {}),
    ...(fence.spent ? { spent: fence.spent } : {}),
    requests: {
      port: fenceRequestsPort,
      logPath: `${gatewayLogDir}/${requestsLogName}`,
      answersPath: `${gatewayPolicyDir}/${requestAnswersName}`,
    },
  };
}

/** Creates `path` if missing (keeping what is in it), owned by `owner` when we may chown. */
async function ensureFile(path: string, owner: Owner): Promise<void> {
  const handle = await open(path, 'a', 0o644);
  await handle.close();
  if (process.getuid?.() === 0) await chown(path, owner.uid, owner.gid);
}

async function waitGatewayReady(
  docker: Dockerode,
  project: ComposeProject,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + gatewayReadyMs;
  for (;;) {
    signal?.throwIfAborted();
    const found = await project.findContainer(gatewayService);
    if (found) {
      const logs = await docker.getContainer(found.Id).logs({ stdout: true, stderr: true });
      const text = logs.toString('utf8');
      if (text.includes('"ready":true')) return;
      if (found.State === 'exited' || found.State === 'dead' || Date.now() > deadline) {
        const last = text.trim().split('\n').slice(-3).join('\n');
        throw new CorralError(
          'INSTANCE_NOT_RUNNING',
          `The gateway of ${project.name} did not become ready${last ? `: ${last}` : '.'}`,
          { hint: `See \`docker logs ${found.Id.slice(0, 12)}\`.` },
        );
      }
    } else if (Date.now() > deadline) {
      throw new CorralError('INSTANCE_NOT_RUNNING', `The gateway of ${project.name} is missing.`);
    }
    await delay(100);
  }
}

const subnetTries = 5;

/**
 * Writes compose.yml with a free internal subnet and brings the project up; when another
 * instance took the same subnet a moment earlier, picks again.
 */
async function upWithFreeSubnet(
  docker: Dockerode,
  project: ComposeProject,
  plan: InstancePlan,
  stateDir: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const internalSubnet = pickInternalSubnet(await listSubnets(docker));
    await writeComposeFile(stateDir, renderComposeSpec({ ...plan, internalSubnet }));
    try {
      await project.up({ signal });
      return;
    } catch (error) {
      const clash = /overlap/i.test(error instanceof Error ? error.message : '');
      if (!clash || attempt >= subnetTries) throw error;
    }
  }
}

/**
 * Renders, writes and brings up the instance's Compose project (agent + gateway), waits
 * until the gateway listens, and returns the agent as a sandbox whose `stop()` dumps
 * compose.log and takes the project down.
 */
export async function startFenced(options: FencedStartOptions): Promise<FencedSandbox> {
  const { docker, spec, fence, owner, relaxed, signal } = options;
  const stateDir = resolve(fence.stateDir);
  const policyDir = resolve(fence.policyDir);
  await mkdir(policyDir, { recursive: true });
  const configFile = join(stateDir, gatewayConfigName);
  await writeFile(configFile, `${JSON.stringify(gatewayConfig(fence), null, 2)}\n`, {
    mode: 0o644,
  });
  // The owner is root only under --unsafe-root over a root-owned workspace; the gateway then
  // runs as the uid such a workspace is otherwise handed to, never as root.
  const gatewayUser = owner.uid === 0 ? fallbackOwner : owner;
  const logFiles = ['egress.log', 'usage.log', requestsLogName, appliedPolicyFileName].map((f) =>
    join(stateDir, f),
  );
  for (const file of logFiles) await ensureFile(file, gatewayUser);
  // Each start begins with no setup hosts; the supervisor adds them while the setup runs.
  const setupFiles = {
    policy: join(policyDir, setupPolicyName),
    applied: join(stateDir, appliedPolicyFileName),
  };
  await writeFileAtomic(setupFiles.policy, `${JSON.stringify({ allow: [] })}\n`);
  await writeFile(setupFiles.applied, '');

  const plan: InstancePlan = {
    instanceId: spec.instanceId,
    image: spec.image,
    workspaceDir: spec.workspaceDir,
    user: owner,
    // corral-request in the sandbox finds the requests server here.
    env: { ...spec.env, CORRAL_REQUEST_URL: `http://${gatewayService}:${fenceRequestsPort}` },
    limits: spec.limits,
    labels: spec.labels,
    ...relaxed,
    gateway: {
      user: gatewayUser,
      image: getGatewayImageTag(findImagesDir()),
      command: gatewayCommand,
      configFile,
      policyDir,
      secretEnvNames: Object.keys(fence.secrets),
      proxyPort: fenceProxyPort,
      apiPort: fenceModelPorts[fence.models[0]?.api ?? 'anthropic'],
      logFiles,
      outboundNetworkName: options.outboundNetwork ?? (await ensureSharedOutboundNetwork(docker)),
    },
  };
  const { cli } = options;
  const project = new ComposeProject({
    cli,
    docker,
    name: spec.instanceId,
    stateDir,
    secrets: fence.secrets,
  });
  // What a kept earlier run left (stopped containers, networks) goes before a new start.
  await sweepComposeProject(docker, spec.instanceId);
  await upWithFreeSubnet(docker, project, plan, stateDir, signal);
  try {
    await waitGatewayReady(docker, project, signal);
    const agent = await project.getAgentSandbox();
    return new FencedSandbox(
      agent,
      {
        logs: () => project.logs(),
        release: () => (fence.keep ? project.stop() : project.down()),
      },
      getEnforcedLimits(relaxed.relax),
      setupFiles,
    );
  } catch (error) {
    await project.logs().catch(() => undefined);
    await project.down().catch(() => undefined);
    throw error;
  }
}
