/**
 * One instance's Compose project: brought up from the compose.yml in its state dir, its
 * containers found by label through the Engine API (so v1's `<project>_agent_1` and v2's
 * `<project>-agent-1` never matter), its logs dumped to compose.log, and taken down with
 * its networks and volumes. Commands run in the agent container through the Engine API
 * too (DockerSandbox over `findContainer('agent')`). Compose only brings the project up
 * (and stops a kept one); its logs and its teardown go through the Engine API, off the
 * Compose CLI's start-up.
 *
 * Images are never pulled: v1 has no `--pull never`, so `up` first checks every image is
 * present and fails with IMAGE_MISSING otherwise.
 */
import { writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { exec, ExecFailure, type ExecResult } from '../../../lib/exec.js';
import { CorralError } from '../../../lib/errors.js';
import { labelKeys } from '../../labels.js';
import { execUserLabel } from '../container-spec.js';
import { DockerSandbox, removeContainer } from '../docker-sandbox.js';
import { isNotFound, rethrowEngineError } from '../engine-errors.js';
import { getComposeEnv, type ComposeCli } from './compose-cli.js';
import { getComposeArgv, type ComposeAction } from './compose-commands.js';
import { getComposeFilePath, getComposeLogPath, loadComposeFile } from './compose-file.js';
import { agentService, type ServiceName } from './instance-plan.js';
import { readProjectLogs } from './project-logs.js';

/** Labels Compose itself puts on what it creates, v1 and v2 alike. */
export const composeProjectLabel = 'com.docker.compose.project';

/**
 * Removes by label whatever of project `name` exists: its containers, then its networks
 * (an external network carries no project label and is left alone). Idempotent.
 */
export async function sweepComposeProject(docker: Dockerode, name: string): Promise<void> {
  const filters = { label: [`${composeProjectLabel}=${name}`] };
  try {
    for (const c of await docker.listContainers({ all: true, filters })) {
      await removeContainer(docker, c.Id);
    }
    for (const n of await docker.listNetworks({ filters })) {
      try {
        await docker.getNetwork(n.Id).remove();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  } catch (error) {
    await rethrowEngineError(docker, error);
  }
}

export interface ComposeProjectOptions {
  cli: ComposeCli;
  docker: Dockerode;
  /** The instance id, which is the project name. */
  name: string;
  /** The instance's state dir, holding compose.yml. */
  stateDir: string;
  /** Values of the gateway's secret variables; they reach Compose's environment only. */
  secrets?: Record<string, string>;
}

interface CallOptions {
  signal?: AbortSignal;
}

function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

export class ComposeProject implements AsyncDisposable {
  readonly name: string;
  readonly file: string;
  readonly logFile: string;
  private readonly cli: ComposeCli;
  private readonly docker: Dockerode;
  private readonly stateDir: string;
  private readonly secrets: Record<string, string>;
  private downing: Promise<void> | undefined;

  constructor(options: ComposeProjectOptions) {
    this.cli = options.cli;
    this.docker = options.docker;
    this.name = options.name;
    this.stateDir = options.stateDir;
    this.secrets = options.secrets ?? {};
    this.file = getComposeFilePath(options.stateDir);
    this.logFile = getComposeLogPath(options.stateDir);
  }

  /**
   * Starts every service detached and waits until the agent container runs. On failure
   * (or abort) whatever was created is taken down again before the error is thrown.
   */
  async up(options: CallOptions & { timeoutMs?: number } = {}): Promise<void> {
    const { signal, timeoutMs = 30_000 } = options;
    signal?.throwIfAborted();
    await this.requireImages();
    try {
      await this.compose('up', signal);
      await this.waitRunning(agentService, timeoutMs, signal);
    } catch (error) {
      await this.down().catch(() => undefined);
      throw error;
    }
  }

  /** The container of `service` in this project, running or not. */
  async findContainer(service: ServiceName): Promise<Dockerode.ContainerInfo | undefined> {
    try {
      const found = await this.docker.listContainers({
        all: true,
        filters: {
          label: [`${composeProjectLabel}=${this.name}`, `${labelKeys.service}=${service}`],
        },
      });
      return found[0];
    } catch (error) {
      return rethrowEngineError(this.docker, error);
    }
  }

  /** The running agent container as a Sandbox, to exec in through the Engine API. */
  async getAgentSandbox(): Promise<DockerSandbox> {
    const agent = await this.findContainer(agentService);
    const user = agent?.Labels[execUserLabel];
    if (!agent || agent.State !== 'running' || !user) {
      throw new CorralError('INSTANCE_NOT_RUNNING', `The agent of ${this.name} is not running.`);
    }
    return new DockerSandbox(this.docker, agent.Id, user);
  }

  /**
   * Dumps every service's log into compose.log and returns its path (through the Engine
   * API, as `compose logs` prints them: project-logs.ts).
   */
  async logs(): Promise<string> {
    try {
      const containers = await this.docker.listContainers({ all: true, filters: this.filters() });
      await writeFile(this.logFile, await readProjectLogs(this.docker, containers));
    } catch (error) {
      await rethrowEngineError(this.docker, error);
    }
    return this.logFile;
  }

  /** Stops every container (dumping nothing, removing nothing), for a kept instance. */
  async stop(options: CallOptions = {}): Promise<void> {
    await this.compose('stop', options.signal);
  }

  /**
   * Removes the project's containers (with their anonymous volumes) and networks.
   * Idempotent; also works when compose.yml is gone, by label.
   */
  down(options: CallOptions = {}): Promise<void> {
    this.downing ??= this.takeDown(options.signal).finally(() => {
      this.downing = undefined;
    });
    return this.downing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.down();
  }

  /**
   * By label through the Engine API, like `compose down` without starting the Compose CLI
   * (about 1.4 s for v1 at every fenced instance's end); also what works when compose.yml
   * is gone or a start was partial.
   */
  private async takeDown(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await sweepComposeProject(this.docker, this.name);
  }

  private filters() {
    return { label: [`${composeProjectLabel}=${this.name}`] };
  }

  private async requireImages(): Promise<void> {
    const spec = await loadComposeFile(this.stateDir);
    for (const service of Object.values(spec.services)) {
      try {
        await this.docker.getImage(service.image).inspect();
      } catch (error) {
        if (!isNotFound(error)) return rethrowEngineError(this.docker, error);
        throw new CorralError('IMAGE_MISSING', `Image ${service.image} is not built.`, {
          hint: 'Run `corral image build` (or pass --image).',
          cause: error,
        });
      }
    }
  }

  private async waitRunning(
    service: ServiceName,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      const found = await this.findContainer(service);
      if (found?.State === 'running') return;
      if (found && (found.State === 'exited' || found.State === 'dead')) {
        throw new CorralError(
          'INSTANCE_NOT_RUNNING',
          `The ${service} container of ${this.name} stopped right after it started (${found.Status}).`,
          { hint: `See \`docker logs ${found.Id.slice(0, 12)}\`.` },
        );
      }
      if (Date.now() > deadline) {
        throw new CorralError(
          'INSTANCE_NOT_RUNNING',
          `The ${service} container of ${this.name} was not running within ${timeoutMs}ms.`,
        );
      }
      await delay(100);
    }
  }

  private async compose(what: ComposeAction, signal: AbortSignal | undefined) {
    const argv = getComposeArgv(
      this.cli,
      { name: this.name, file: this.file, dir: this.stateDir },
      what,
    );
    const [file, ...rest] = argv as [string, ...string[]];
    try {
      return await exec(file, rest, {
        cwd: this.stateDir,
        env: getComposeEnv(this.secrets),
        signal,
      });
    } catch (error) {
      if (!(error instanceof ExecFailure)) throw error;
      const result: ExecResult = error.result;
      throw new CorralError(
        'BACKEND_UNAVAILABLE',
        `\`${this.cli.argv.join(' ')} ${what}\` of ${this.name} failed with exit code ${result.exitCode}: ${tail(result.stderr)}`,
        { hint: `See ${this.file}.`, cause: error },
      );
    }
  }
}
