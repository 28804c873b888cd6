/**
 * A started local sandbox. It has no process of its own: it is a fence (the srt settings
 * file) over a workspace, and each `spawn` runs one `node srt` behind that fence with the
 * workspace as its working directory (after the launch prefix: into its cgroups and, as
 * root, to its own uid; see `launch-prefix.ts`), the command inside the inner fence
 * (`inner-fence.ts`). Every process it starts is recorded (see `sandbox-record.ts`) so
 * that `stop()`, `removeSandbox()` or another corral process can end it. Because each process gets its own bubblewrap namespaces, two processes of one
 * sandbox share the workspace and HOME but not /tmp, and cannot signal each other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { SandboxRuntimeConfig } from '@anthropic-ai/sandbox-runtime';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { access } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  DetachedProcess,
  ExecResult,
  LaunchSpec,
  ProcessRef,
  ProcessSpec,
  Sandbox,
  SandboxProcess,
} from '../backend.js';
import { openControlPipe, reattachLocal, sendNetworkSettings } from './local-detached.js';
import { CorralError } from '../../lib/errors.js';
import { endProcessGroup } from './end-process-group.js';
import { onPseudoTerminal, wireHostedTerminal } from './hosted-terminal.js';
import { LocalProcess } from './local-process.js';
import { placeholderPatterns } from './prepare-workspace.js';
import { loadProcessStartTime } from './process-tree.js';
import { buildCommandLine } from './inner-fence.js';
import { quoteArgv } from '../../lib/quote-argv.js';
import type { LimitEnforcement } from './sandbox-limits.js';
import {
  removePidRecord,
  removeSandboxRun,
  savePidRecord,
  type SandboxRunPaths,
} from './sandbox-record.js';
import { isSetupFailure, setupAttempts, setupRetryDelayMs } from './setup-failure.js';

const stopGraceMs = 5000;

export interface LocalSandboxOptions {
  instanceId: string;
  /** Real path of the workspace, the working directory of every process. */
  workspaceDir: string;
  paths: SandboxRunPaths;
  /** The srt CLI (see `sandbox-runtime.ts`). */
  srtCli: string;
  /** The whole environment of a process before `ProcessSpec.env` (never the host's). */
  env: Record<string, string>;
  /** Send every connection, loopback included, through srt's filtering proxy. */
  proxied?: boolean;
  /** What runs before srt and becomes it; empty: srt directly. */
  launchPrefix: string[];
  /** The inner fence (`inner-fence.ts`); null for a sandbox recorded before it existed. */
  innerFence: { bwrap: string; shell: string; nproc: number | null } | null;
  /** Pid namespaces between srt and the command (`findCommandProcesses`). */
  pidNamespaces: number;
  limits: LimitEnforcement;
}

/**
 * srt starts its proxy relay (socat on 127.0.0.1:3128) in the background just before the
 * command, so a command's first request could find nothing listening yet. This waits (at
 * most 3 s) until the port listens in the sandbox's network namespace.
 */
const waitForProxy =
  "corral_wait=0; while [ -r /proc/net/tcp ] && [ $corral_wait -lt 300 ] && ! grep -q ':0C38 00000000:0000 0A' /proc/net/tcp; do sleep 0.01; corral_wait=$((corral_wait + 1)); done; ";

export class LocalSandbox implements Sandbox {
  readonly id: string;
  readonly workdir: string;
  readonly placeholders = placeholderPatterns;
  /** What enforces each of the sandbox's limits ("cgroup v1", …), null where none does. */
  readonly limits: LimitEnforcement;
  readonly #paths: SandboxRunPaths;
  readonly #launchPrefix: string[];
  readonly #innerFence: LocalSandboxOptions['innerFence'];
  readonly #pidNamespaces: number;
  readonly #srtCli: string;
  readonly #env: Record<string, string>;
  readonly #proxied: boolean;
  readonly #processes = new Set<LocalProcess>();
  /** The write ends of each running srt's --control-fd, for live network changes. */
  readonly #controls = new Set<Writable>();
  #stopping: Promise<void> | undefined;

  constructor(options: LocalSandboxOptions) {
    this.id = options.instanceId;
    this.workdir = options.workspaceDir;
    this.#paths = options.paths;
    this.#srtCli = options.srtCli;
    this.#env = options.env;
    this.#proxied = options.proxied ?? false;
    this.#launchPrefix = options.launchPrefix;
    this.#innerFence = options.innerFence;
    this.#pidNamespaces = options.pidNamespaces;
    this.limits = options.limits;
  }

  /**
   * The bash command line srt runs. srt exports a NO_PROXY list holding loopback; with
   * hosts allowed it is emptied for the command, so a loopback model server is reached the
   * only way there is from a sandbox without a network namespace: through the proxy, which
   * still lets through only what is allowed.
   */
  #commandLine(argv: string[]): string {
    if (!this.#innerFence)
      return this.#proxied
        ? `${waitForProxy}NO_PROXY= no_proxy= ${quoteArgv(argv)}`
        : quoteArgv(argv);
    const line = buildCommandLine(argv, {
      ...this.#innerFence,
      setEnv: this.#proxied ? { NO_PROXY: '', no_proxy: '' } : {},
    });
    return this.#proxied ? waitForProxy + line : line;
  }

  /**
   * srt takes network changes as settings lines on a descriptor, and insists on a first
   * one: a channel that dies before it delivered anything takes the command down. The
   * current settings go first; later lines come from `setAllowedHosts`.
   */
  async #openControl(child: ChildProcess): Promise<void> {
    const control = child.stdio[3];
    if (!control || !('write' in control)) return;
    const writable = control;
    writable.on('error', () => this.#controls.delete(writable));
    child.once('close', () => {
      this.#controls.delete(writable);
      writable.destroy();
    });
    this.#controls.add(writable);
    writable.write(JSON.stringify(await loadSettings(this.#paths.settings)) + '\n');
  }

  async setAllowedHosts(hosts: string[]): Promise<void> {
    const settings = await loadSettings(this.#paths.settings);
    settings.network = { ...settings.network, allowedDomains: [...new Set(hosts)] };
    await writeFileAtomic(this.#paths.settings, `${JSON.stringify(settings, null, 2)}\n`);
    const line = JSON.stringify(settings) + '\n';
    for (const control of this.#controls) control.write(line);
    await sendNetworkSettings(this.#paths.dir, line);
  }

  async launch(spec: LaunchSpec): Promise<DetachedProcess> {
    if (this.#stopping) {
      throw new CorralError('INSTANCE_NOT_RUNNING', `The local sandbox ${this.id} is stopped.`);
    }
    if (!/^[a-z0-9]+$/.test(spec.tag))
      throw new CorralError('USAGE', `Bad launch tag ${spec.tag}.`);
    const log = openSync(join(this.#paths.dir, `srt-${spec.tag}.log`), 'a', 0o600);
    let control: number | undefined;
    let child: ChildProcess;
    try {
      control = openControlPipe(this.#paths.dir, spec.tag);
      // As spawn: under the launch prefix (the sandbox's uid and limits).
      const [file = process.execPath, ...args] = [
        ...this.#launchPrefix,
        process.execPath,
        this.#srtCli,
        '--settings',
        this.#paths.settings,
        '--control-fd',
        '3',
        '-c',
        this.#commandLine(spec.argv),
      ];
      child = spawn(file, args, {
        cwd: this.workdir,
        env: { ...this.#env, ...spec.env },
        detached: true,
        stdio: ['ignore', log, log, control],
      });
      await this.#spawned(child, spec.argv);
    } finally {
      closeSync(log);
      if (control !== undefined) closeSync(control);
    }
    child.unref();
    const pid = child.pid ?? -1;
    const startTime = loadProcessStartTime(pid) ?? 0;
    await savePidRecord(this.#paths, { pid, startTime, argv: spec.argv });
    // srt waits for its first settings line before it starts the command.
    await sendNetworkSettings(
      this.#paths.dir,
      JSON.stringify(await loadSettings(this.#paths.settings)) + '\n',
    );
    return reattachLocal({ pid, startTime, tag: spec.tag }, this.#pidNamespaces);
  }

  reattach(ref: ProcessRef): DetachedProcess {
    return reattachLocal(ref, this.#pidNamespaces);
  }

  async spawn(spec: ProcessSpec): Promise<SandboxProcess> {
    if (this.#stopping) {
      throw new CorralError('INSTANCE_NOT_RUNNING', `The local sandbox ${this.id} is stopped.`);
    }
    if (spec.argv.length === 0) throw new CorralError('USAGE', 'No command given to run.');
    const terminal = spec.stdio === 'terminal';
    // A hosted terminal is a pseudo-terminal made inside the fence (hosted-terminal.ts).
    const hosted = terminal && spec.terminal ? spec.terminal : undefined;
    const argv = hosted ? onPseudoTerminal(spec.argv) : spec.argv;
    // srt runs the command as `bash -c <string>`; the system test checks that arguments
    // with spaces, quotes, `$`, newlines or a leading `-` arrive verbatim.
    const [file = process.execPath, ...args] = [
      ...this.#launchPrefix,
      process.execPath,
      this.#srtCli,
      '--settings',
      this.#paths.settings,
      '--control-fd',
      '3',
      '-c',
      this.#commandLine(argv),
    ];
    const child = spawn(file, args, {
      cwd: this.workdir,
      env: { ...this.#env, ...spec.env },
      // Its own process group (and session): signals from corral's terminal or group
      // reach corral, which decides; ending the sandbox is `terminate()`'s job.
      detached: true,
      stdio:
        terminal && !hosted
          ? ['inherit', 'inherit', 'inherit', 'pipe']
          : ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    await this.#spawned(child, spec.argv);
    await this.#openControl(child);
    const pid = child.pid ?? -1;
    const saved = savePidRecord(this.#paths, {
      pid,
      startTime: loadProcessStartTime(pid) ?? 0,
      argv: spec.argv,
    });
    const wired = hosted ? wireHostedTerminal(child, hosted, this.#pidNamespaces) : undefined;
    const proc = new LocalProcess(
      child,
      { forwardResizes: terminal && !hosted, ...(wired ? { output: wired.output } : {}) },
      this.#pidNamespaces,
      async () => {
        wired?.detach();
        this.#processes.delete(proc);
        await saved.catch(() => undefined);
        await removePidRecord(this.#paths, pid);
      },
    );
    this.#processes.add(proc);
    try {
      await saved;
    } catch (error) {
      // Unrecorded, it could outlive corral unseen: end it rather than run it blind.
      await endProcessGroup(pid, {
        graceMs: 0,
        levels: this.#pidNamespaces,
        ended: proc.wait(),
      });
      throw new CorralError('IO_ERROR', `Could not record a process of sandbox ${this.id}.`, {
        cause: error,
      });
    }
    return proc;
  }

  async #spawned(child: ChildProcess, argv: string[]): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (error) {
      const workspaceGone = await access(this.workdir).then(
        () => false,
        () => true,
      );
      if (workspaceGone) {
        throw new CorralError('WORKSPACE_GONE', `The workspace ${this.workdir} is gone.`, {
          cause: error,
        });
      }
      throw new CorralError('BACKEND_UNAVAILABLE', `Could not start srt for ${argv.join(' ')}.`, {
        cause: error,
      });
    }
  }

  /** Runs `argv` with stdin closed; a run whose sandbox failed to set up is retried. */
  async exec(
    argv: string[],
    options: { env?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.#execOnce(argv, options);
      if (attempt >= setupAttempts || !isSetupFailure(result)) return result;
      await sleep(setupRetryDelayMs);
    }
  }

  async #execOnce(
    argv: string[],
    options: { env?: Record<string, string>; signal?: AbortSignal },
  ): Promise<ExecResult> {
    const { signal } = options;
    signal?.throwIfAborted();
    const proc = await this.spawn({ argv, env: options.env, stdio: 'pipe' });
    proc.stdin?.end();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout.on('data', (b: Buffer) => out.push(b));
    proc.stderr.on('data', (b: Buffer) => err.push(b));
    const onAbort = () => void proc.terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const exit = await proc.wait();
      signal?.throwIfAborted();
      return {
        ...exit,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Ends every process of the sandbox (also those other corral processes started). */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.all([...this.#processes].map((p) => p.terminate(stopGraceMs)));
      await removeSandboxRun(this.#paths, stopGraceMs);
    })();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

async function loadSettings(path: string): Promise<SandboxRuntimeConfig> {
  return JSON.parse(await readFile(path, 'utf8')) as SandboxRuntimeConfig;
}
