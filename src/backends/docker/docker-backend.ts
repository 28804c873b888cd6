/**
 * The docker backend: one container per instance on a Docker engine (or Podman's
 * Docker-compatible socket; only plain Engine API calls are used), with the workspace as
 * its only host path. What the container may do is decided in container-spec.ts, from the
 * hardening in hardening.ts that a spec's `relax` (the `--unsafe-…` flags) weakens item by
 * item; resolve-relaxations.ts checks those in `prepare`, before anything is made. How
 * commands run in it, in docker-sandbox.ts and docker-process.ts. Images are never pulled:
 * a missing image is an error that says how to build it (see sandbox-image.ts). A sandbox
 * with a way out (`network: 'open'`) is always fenced: it runs as a Compose project of the
 * agent and its gateway sidecar (fenced-start.ts), the gateway being its only route.
 */
import { join, resolve } from 'node:path';
import type Dockerode from 'dockerode';
import { newDockerode } from './load-dockerode.js';
import { CorralError } from '../../lib/errors.js';
import type {
  Backend,
  BackendImages,
  EgressRoute,
  HealthCheck,
  Probe,
  Sandbox,
  SandboxRecord,
  SandboxSpec,
  StartOptions,
} from '../backend.js';
import { diagnoseDocker } from './diagnose.js';
import { getDockerImages } from './docker-images.js';
import { labelKeys } from '../labels.js';
import { execUserLabel, getContainerName, getContainerSpec } from './container-spec.js';
import { DockerSandbox, removeContainer } from './docker-sandbox.js';
import {
  describeEndpoint,
  engineFix,
  engineUnavailable,
  isConflict,
  isEngineDown,
  isNotFound,
  rethrowEngineError,
} from './engine-errors.js';
import {
  composeProjectLabel,
  detectComposeCli,
  detectComposeCliCached,
  dockerHostAlias,
  gatewayService,
  sweepComposeProject,
  type ComposeCli,
} from './compose/index.js';
import { FencedSandbox, getFenceEndpoint, startFenced } from './fenced-start.js';
import { getGatewayImageTag } from './gateway-image.js';
import { getEnforcedLimits, getHardening } from './hardening.js';
import { splitImageName } from './corral-image-name.js';
import { resolveRelaxations } from './resolve-relaxations.js';
import { findImagesDir } from './sandbox-image.js';
import {
  decideWorkspaceOwner,
  ensureWorkspaceOwner,
  fallbackOwner,
  handOverWorkspace,
} from './workspace-owner.js';

const imageHint = 'Run `corral image build` (or pass --image).';
const probeTimeoutMs = 5000;

function imageMissing(image: string, cause?: unknown, others: string[] = []): CorralError {
  return new CorralError('IMAGE_MISSING', `Image ${image} is not built.`, {
    hint: others.length
      ? `Run \`corral image build\`, or pass --image with a tag the engine has: ${others.join(', ')}.`
      : imageHint,
    cause,
  });
}

function requireImage(spec: SandboxSpec): string {
  if (spec.image) return spec.image;
  throw new CorralError('IMAGE_MISSING', 'The docker backend needs an image and none was given.', {
    hint: imageHint,
  });
}

/** A TCP DOCKER_HOST that drops packets would otherwise leave probe() hanging. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The id listSandboxes gives a fenced project of which only networks are left. */
const projectPrefix = 'project:';
export interface DockerBackendOptions {
  /** The engine client; by default one that honors DOCKER_HOST. */
  docker?: Dockerode;
  /** An engine network fenced sandboxes' gateways use as their way out (default: one of the project's own). */
  outboundNetwork?: string;
  /** corral's state root: where the Compose CLI found is remembered (else found each time). */
  home?: string;
}

/** dockerode throws on a malformed DOCKER_HOST; say so in corral's terms. */
function createClient(): Dockerode {
  try {
    return newDockerode();
  } catch (error) {
    throw new CorralError(
      'USAGE',
      `DOCKER_HOST=${process.env.DOCKER_HOST ?? ''} is not an engine address.`,
      {
        hint: 'Use unix:///path/to/docker.sock or tcp://host:port, or unset DOCKER_HOST.',
        cause: error,
      },
    );
  }
}

export class DockerBackend implements Backend {
  readonly name = 'docker' as const;
  readonly hostAlias = dockerHostAlias;
  readonly startsDuringCheckout = true;
  private client: Dockerode | undefined;

  private readonly outboundNetwork: string | undefined;
  private readonly home: string | undefined;

  constructor(options: DockerBackendOptions = {}) {
    this.client = options.docker;
    this.outboundNetwork = options.outboundNetwork;
    this.home = options.home;
  }

  /** The Compose CLI fenced sandboxes are brought up with; BACKEND_UNAVAILABLE without one. */
  composeCli(signal?: AbortSignal): Promise<ComposeCli> {
    const options = signal ? { signal } : {};
    return this.home
      ? detectComposeCliCached(join(this.home, 'run', 'docker', 'compose-cli.json'), options)
      : detectComposeCli(options);
  }

  readonly egress: EgressRoute = {
    kind: 'sidecar',
    modelEndpoint: getFenceEndpoint,
  };

  readonly images: BackendImages = getDockerImages(this);

  diagnose(): Promise<HealthCheck[]> {
    return diagnoseDocker(this);
  }

  /** The engine client, made on first use so a bad DOCKER_HOST only fails docker commands. */
  get docker(): Dockerode {
    this.client ??= createClient();
    return this.client;
  }

  async probe(): Promise<Probe> {
    let docker: Dockerode;
    try {
      docker = this.docker;
    } catch (error) {
      return { available: false, detail: (error as Error).message, fix: 'unset DOCKER_HOST' };
    }
    try {
      const version = await withTimeout(docker.version(), probeTimeoutMs);
      // Docker names its component "Engine", Podman "Podman Engine".
      const component = version.Components?.[0]?.Name;
      const engine = !component || component === 'Engine' ? 'Docker Engine' : component;
      return {
        available: true,
        detail: `${engine} ${version.Version} at ${await describeEndpoint(docker)}`,
        limits: getEnforcedLimits({}),
      };
    } catch {
      return {
        available: false,
        detail: `Docker is not reachable at ${await describeEndpoint(docker)}`,
        fix: engineFix,
      };
    }
  }

  /** Throws BACKEND_UNAVAILABLE (with the fix) when the engine does not answer. */
  async prepareEngine(): Promise<void> {
    try {
      await withTimeout(this.docker.ping(), probeTimeoutMs);
    } catch (error) {
      throw await engineUnavailable(this.docker, error);
    }
  }

  /** Whether `image` exists in the engine; never pulls. */
  async hasImage(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      return rethrowEngineError(this.docker, error);
    }
  }

  /** The tags the engine has of `repository` (at most a few, newest first), never pulling. */
  private async listTags(repository: string): Promise<string[]> {
    const images = await this.docker
      .listImages({ filters: { reference: [repository] } })
      .catch(() => []);
    return images
      .sort((a, b) => b.Created - a.Created)
      .flatMap((i) => i.RepoTags ?? [])
      .filter((tag) => splitImageName(tag).repository === repository)
      .slice(0, 3);
  }

  async prepare(spec: SandboxSpec): Promise<void> {
    const image = requireImage(spec);
    await resolveRelaxations(spec, this.docker);
    if (!(await this.hasImage(image))) {
      throw imageMissing(image, undefined, await this.listTags(splitImageName(image).repository));
    }
    if (spec.network === 'open') {
      const gateway = getGatewayImageTag(findImagesDir());
      if (!(await this.hasImage(gateway))) throw imageMissing(gateway);
      await this.composeCli();
    }
  }

  async start(spec: SandboxSpec, options: StartOptions = {}): Promise<Sandbox> {
    const { signal, workspaceReady } = options;
    // Its failure is thrown when awaited below, not reported as unhandled meanwhile.
    workspaceReady?.catch(() => undefined);
    signal?.throwIfAborted();
    const image = requireImage(spec);
    const workspaceDir = resolve(spec.workspaceDir);
    const relaxed = await resolveRelaxations(spec, this.docker);
    const keepRoot = relaxed.relax.rootUser;
    if (spec.network === 'open') {
      // A fenced start (a Compose project) waits for the checkout: not overlapped yet.
      await workspaceReady;
      const owner = await ensureWorkspaceOwner(workspaceDir, { keepRoot });
      if (!spec.fence) {
        throw new CorralError(
          'INTERNAL',
          `The sandbox of ${spec.instanceId} asks for network without a fence; docker gives network only through the gateway.`,
        );
      }
      return startFenced({
        docker: this.docker,
        spec: { ...spec, image, workspaceDir },
        fence: spec.fence,
        owner,
        relaxed,
        cli: await this.composeCli(signal),
        ...((spec.fence?.outboundNetwork ?? this.outboundNetwork)
          ? { outboundNetwork: spec.fence?.outboundNetwork ?? this.outboundNetwork }
          : {}),
        ...(signal ? { signal } : {}),
      });
    }
    // The container only idles until a command is exec'd in it, so it is started while the
    // workspace is still checked out (its files are handed to the owner once written).
    const owner = await (workspaceReady
      ? decideWorkspaceOwner(workspaceDir, { keepRoot })
      : ensureWorkspaceOwner(workspaceDir, { keepRoot }));
    const create = getContainerSpec({ ...spec, image, workspaceDir }, owner, {
      mounts: relaxed.extraMounts,
      groupAdd: relaxed.groupAdd,
    });
    const { execUser } = getHardening(relaxed.relax, spec.limits, owner);
    // The abort signal is checked between the two calls (about 0.1 s each) rather than handed
    // to dockerode, which would copy it into the request body and query string.
    let container: Dockerode.Container;
    try {
      container = await this.docker.createContainer(create);
    } catch (error) {
      throw await this.createError(spec, image, error);
    }
    const sandbox = new DockerSandbox(
      this.docker,
      container.id,
      `${execUser.uid}:${execUser.gid}`,
      getEnforcedLimits(relaxed.relax),
    );
    try {
      signal?.throwIfAborted();
      await container.start();
      signal?.throwIfAborted();
    } catch (error) {
      await sandbox.stop().catch(() => undefined);
      return rethrowEngineError(this.docker, error);
    }
    if (workspaceReady) {
      try {
        await workspaceReady;
        await handOverWorkspace(workspaceDir, owner);
      } catch (error) {
        await sandbox.stop().catch(() => undefined);
        throw error;
      }
    }
    return sandbox;
  }

  /** The running sandbox of an instance, for a second corral process (stop, diff). */
  async findSandbox(instanceId: string): Promise<Sandbox | undefined> {
    const containers = await this.list([`${labelKeys.instance}=${instanceId}`]);
    // A fenced instance's gateway is never the sandbox: commands run in its agent.
    const running = containers.find(
      (c) => c.State === 'running' && c.Labels[labelKeys.service] !== gatewayService,
    );
    if (!running) return undefined;
    const user = running.Labels[execUserLabel] ?? `${fallbackOwner.uid}:${fallbackOwner.gid}`;
    const sandbox = new DockerSandbox(this.docker, running.Id, user);
    const project = running.Labels[composeProjectLabel];
    if (!project) return sandbox;
    // Found again: its compose.log is for the engine that started it to write.
    return new FencedSandbox(sandbox, {
      release: () => sweepComposeProject(this.docker, project),
    });
  }

  /**
   * One record per sandbox: a lone container, or a fenced instance's project (its agent
   * container, or whatever of the project is left when the agent is gone).
   */
  async listSandboxes(): Promise<SandboxRecord[]> {
    const containers = await this.list([]);
    const byProject = new Map<string, Dockerode.ContainerInfo>();
    const lone: Dockerode.ContainerInfo[] = [];
    for (const c of containers) {
      const project = c.Labels[composeProjectLabel];
      if (!project) lone.push(c);
      else if (!byProject.has(project) || c.Labels[labelKeys.service] !== gatewayService) {
        byProject.set(project, c);
      }
    }
    const records: SandboxRecord[] = [...lone, ...byProject.values()].map((c) => ({
      id: c.Id,
      instanceId: c.Labels[labelKeys.instance] ?? '',
      home: c.Labels[labelKeys.home] ?? '',
      running: c.State === 'running',
    }));
    // A project with networks and no container left (a Compose `up` that outlived the
    // engine that started it made them after the cleanup): a sandbox too, to be swept.
    const networks = await this.docker
      .listNetworks({ filters: { label: [`${labelKeys.managed}=true`, composeProjectLabel] } })
      .catch((error: unknown) => rethrowEngineError(this.docker, error));
    for (const n of networks) {
      const project = n.Labels?.[composeProjectLabel];
      if (!project || byProject.has(project)) continue;
      if (records.some((r) => r.id === `${projectPrefix}${project}`)) continue;
      records.push({
        id: `${projectPrefix}${project}`,
        instanceId: n.Labels?.[labelKeys.instance] ?? project,
        home: n.Labels?.[labelKeys.home] ?? '',
        running: false,
      });
    }
    return records;
  }

  /** Removes a lone container, or the whole project (containers, networks) of a fenced one. */
  async removeSandbox(id: string): Promise<void> {
    if (id.startsWith(projectPrefix)) {
      return sweepComposeProject(this.docker, id.slice(projectPrefix.length));
    }
    let labels: Record<string, string> | undefined;
    try {
      labels = (await this.docker.getContainer(id).inspect()).Config.Labels;
    } catch (error) {
      if (isNotFound(error)) return;
      return rethrowEngineError(this.docker, error);
    }
    const project = labels?.[composeProjectLabel];
    if (project && labels?.[labelKeys.managed] === 'true') {
      return sweepComposeProject(this.docker, project);
    }
    return removeContainer(this.docker, id);
  }

  private async list(labels: string[]): Promise<Dockerode.ContainerInfo[]> {
    try {
      return await this.docker.listContainers({
        all: true,
        filters: { label: [`${labelKeys.managed}=true`, ...labels] },
      });
    } catch (error) {
      return rethrowEngineError(this.docker, error);
    }
  }

  private async createError(spec: SandboxSpec, image: string, error: unknown): Promise<Error> {
    if (isNotFound(error)) return imageMissing(image, error);
    if (isEngineDown(error)) return engineUnavailable(this.docker, error);
    if (isConflict(error)) {
      return new CorralError(
        'INSTANCE_RUNNING',
        `A container named ${getContainerName(spec.instanceId)} already exists.`,
        { hint: 'Run `corral gc` to remove leftovers.', cause: error },
      );
    }
    const refusal = (error as { statusCode?: number; json?: { message?: string } } | null) ?? {};
    if (refusal.statusCode === 400) {
      // The engine rejects settings it cannot apply, e.g. more CPUs than the host has.
      return new CorralError(
        'USAGE',
        `Docker refused the sandbox of ${spec.instanceId}: ${refusal.json?.message ?? String(error)}`,
        { hint: 'Check --memory, --cpus and --pids.', cause: error },
      );
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}
