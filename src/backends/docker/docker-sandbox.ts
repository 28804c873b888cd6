/**
 * A started docker sandbox: one container whose main process idles, with every command
 * run in it through exec (see docker-process.ts). The container outlives any one command,
 * so bring-back can run git in it after the agent ends, and a second corral process can
 * find it again by its labels (DockerBackend.findSandbox) to exec or stop.
 */
import type Dockerode from 'dockerode';
import type {
  DetachedProcess,
  ExecResult,
  LaunchSpec,
  ProcessRef,
  ProcessSpec,
  Sandbox,
  SandboxProcess,
} from '../backend.js';
import { launchDetached, reattachDetached } from './docker-detached.js';
import type { EnforcedLimits } from '../../state/index.js';
import { containerWorkdir } from './container-spec.js';
import { startDockerProcess } from './docker-process.js';
import { isConflict, isNotFound, rethrowEngineError } from './engine-errors.js';

/** Force-removes a container; one that is already gone (or going) counts as removed. */
export async function removeContainer(docker: Dockerode, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    if (isNotFound(error) || isConflict(error)) return;
    await rethrowEngineError(docker, error);
  }
}

function collect(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) =>
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))),
  );
}

export class DockerSandbox implements Sandbox {
  readonly workdir = containerWorkdir;
  private stopping: Promise<void> | undefined;

  /**
   * `user` is the uid:gid every command runs as (the workspace owner); `limits` what
   * enforces its limits, when known (a started sandbox, not one found again).
   */
  constructor(
    private readonly docker: Dockerode,
    readonly id: string,
    private readonly user: string,
    readonly limits?: EnforcedLimits,
  ) {}

  spawn(spec: ProcessSpec): Promise<SandboxProcess> {
    return this.start(spec, true);
  }

  launch(spec: LaunchSpec): Promise<DetachedProcess> {
    return launchDetached(this.docker, this.id, this.user, spec);
  }

  reattach(ref: ProcessRef): DetachedProcess {
    return reattachDetached(this.docker, ref);
  }

  async exec(
    argv: string[],
    options: { env?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    const { signal } = options;
    signal?.throwIfAborted();
    const proc = await this.start({ argv, env: options.env, stdio: 'pipe' }, false);
    const onAbort = (): void => void proc.terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const [stdout, stderr, exit] = await Promise.all([
        collect(proc.stdout),
        collect(proc.stderr),
        proc.wait(),
      ]);
      signal?.throwIfAborted();
      return { ...exit, stdout, stderr };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Nothing to leave: the removal frees the container and nothing else (no network: what
   * may still run in it reaches nobody), so a run's end need not wait for it.
   */
  settle(): Promise<void> {
    return Promise.resolve();
  }

  /** Ends every process in the sandbox; the container stays until `stop()` removes it. */
  async kill(): Promise<void> {
    await this.docker.getContainer(this.id).kill();
  }

  stop(): Promise<void> {
    // A failed removal (engine down) may be retried by calling stop() again.
    this.stopping ??= removeContainer(this.docker, this.id).catch((error: unknown) => {
      this.stopping = undefined;
      throw error;
    });
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private start(spec: ProcessSpec, openStdin: boolean): Promise<SandboxProcess> {
    return startDockerProcess({
      ...spec,
      docker: this.docker,
      container: this.docker.getContainer(this.id),
      user: this.user,
      openStdin,
    });
  }
}
