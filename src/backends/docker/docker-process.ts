/**
 * One process in a docker sandbox, started through the Engine API's exec. `pipe` demuxes
 * the exec's stdout and stderr into two streams and offers its stdin; `terminal` asks for
 * a TTY and wires a terminal port to it (this process's terminal unless the spec names
 * another; terminal-io.ts), still teeing the output to `stdout` for the caller's log.
 *
 * The Engine API has no way to signal an exec, so every process runs behind the prologue
 * in exec-wrapper.ts, and `terminate` sends SIGTERM (then SIGKILL) to its process group
 * with a second, short exec. The exit status comes from exec inspect once the stream ends.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { CorralError } from '../../lib/errors.js';
import type { ProcessExit, ProcessSpec, SandboxProcess } from '../backend.js';
import { containerWorkdir, toEnvList } from './container-spec.js';
import { isConflict, isNotFound, rethrowEngineError } from './engine-errors.js';
import { signalArgv, wrapArgv } from './exec-wrapper.js';
import { processTerminalPort } from '../terminal-port.js';
import { attachTerminal } from './terminal-io.js';

export interface DockerProcessOptions extends ProcessSpec {
  docker: Dockerode;
  container: Dockerode.Container;
  /** uid:gid the process runs as. */
  user: string;
  /** Whether the caller may write stdin; a run-to-completion command gets none. */
  openStdin: boolean;
}

function signalName(number: number): string | undefined {
  return Object.entries(constants.signals).find(([, value]) => value === number)?.[0];
}

async function createExec(options: DockerProcessOptions, argv: string[]): Promise<Dockerode.Exec> {
  const tty = options.stdio === 'terminal';
  try {
    return await options.container.exec({
      Cmd: argv,
      User: options.user,
      WorkingDir: containerWorkdir,
      Env: toEnvList(options.env ?? {}),
      AttachStdin: tty || options.openStdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
    });
  } catch (error) {
    if (isNotFound(error) || isConflict(error)) {
      throw new CorralError(
        'INSTANCE_NOT_RUNNING',
        `The sandbox ${options.container.id} is not running.`,
        {
          cause: error,
        },
      );
    }
    return rethrowEngineError(options.docker, error);
  }
}

/** Runs a short helper command (a signal) as `user` and waits for it; failures are ignored. */
export async function runQuietly(
  container: Dockerode.Container,
  user: string,
  argv: string[],
): Promise<void> {
  try {
    const exec = await container.exec({
      Cmd: argv,
      User: user,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = (await exec.start({ hijack: false, Detach: false })) as Readable;
    await new Promise<void>((resolve) => {
      stream
        .on('end', resolve)
        .on('close', resolve)
        .on('error', () => resolve());
      stream.resume();
    });
  } catch {
    // The container is gone or stopping: the process is ending with it.
  }
}

class DockerProcess implements SandboxProcess {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin: PassThrough | null;
  private readonly ended: Promise<void>;
  private streamEnded = false;
  private terminated = false;
  private terminating: Promise<void> | undefined;
  private exit: Promise<ProcessExit> | undefined;

  constructor(
    private readonly options: DockerProcessOptions,
    private readonly exec: Dockerode.Exec,
    stream: Duplex,
    private readonly tag: string,
  ) {
    stream.on('error', () => undefined);
    this.ended = new Promise((resolve) => {
      const done = (): void => {
        if (this.streamEnded) return;
        this.streamEnded = true;
        this.stdout.end();
        this.stderr.end();
        resolve();
      };
      stream.once('end', done).once('close', done).once('error', done);
    });

    if (options.stdio === 'terminal') {
      this.stdin = null;
      const detach = attachTerminal(
        stream,
        this.stdout,
        (size) => exec.resize(size),
        options.terminal ?? processTerminalPort(),
      );
      void this.ended.finally(detach);
    } else {
      options.docker.modem.demuxStream(stream, this.stdout, this.stderr);
      this.stdin = options.openStdin ? new PassThrough() : null;
      // Ending stdin half-closes the connection, which the engine passes on as EOF.
      this.stdin?.pipe(stream);
      this.stdin?.on('error', () => undefined);
    }
  }

  terminate(graceMs = 5000): Promise<void> {
    this.terminating ??= this.endTree(graceMs);
    return this.terminating;
  }

  wait(): Promise<ProcessExit> {
    this.exit ??= this.ended.then(() => this.inspectExit());
    return this.exit;
  }

  private async endTree(graceMs: number): Promise<void> {
    if (this.streamEnded) return;
    this.terminated = true;
    const { container, user } = this.options;
    await runQuietly(container, user, signalArgv(this.tag, 'TERM'));
    if (await this.endsWithin(graceMs)) return;
    await runQuietly(container, user, signalArgv(this.tag, 'KILL'));
    await this.endsWithin(5000);
  }

  private async endsWithin(ms: number): Promise<boolean> {
    const timer = new AbortController();
    const ended = await Promise.race([
      this.ended.then(() => true),
      delay(ms, false, { signal: timer.signal }).catch(() => false),
    ]);
    timer.abort();
    return ended;
  }

  /** The engine may still mark the exec running for a moment after its stream ends. */
  private async inspectExit(): Promise<ProcessExit> {
    for (let attempt = 0; attempt < 100; attempt++) {
      let info: Dockerode.ExecInspectInfo;
      try {
        info = await this.exec.inspect();
      } catch (error) {
        // The container was removed under the process (stop()): it was killed with it.
        if (isNotFound(error)) return { exitCode: null, signal: 'SIGKILL' };
        throw error;
      }
      if (!info.Running && info.ExitCode !== null) return this.toExit(info.ExitCode);
      await delay(50);
    }
    return { exitCode: null, signal: null };
  }

  /**
   * The engine reports a process killed by signal N as exit 128+N. Only when we sent the
   * signal do we know that is what happened; otherwise the code is passed through as is.
   */
  private toExit(code: number): ProcessExit {
    const signal = this.terminated && code > 128 ? signalName(code - 128) : undefined;
    return signal ? { exitCode: null, signal } : { exitCode: code, signal: null };
  }
}

export async function startDockerProcess(options: DockerProcessOptions): Promise<SandboxProcess> {
  const tag = randomBytes(6).toString('hex');
  const exec = await createExec(options, wrapArgv(options.argv, tag));
  const tty = options.stdio === 'terminal';
  const stream = await exec.start({
    hijack: true,
    stdin: tty || options.openStdin,
    Detach: false,
    Tty: tty,
  });
  return new DockerProcess(options, exec, stream, tag);
}
