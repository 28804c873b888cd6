/**
 * The backend seam: *where* a sandbox runs. A backend starts a sandbox over one workspace
 * (a host directory), runs processes in it, and stops it. The agent says *what* runs; the
 * orchestrator combines the two. Implementations live one per folder (`docker/`,
 * `local/`) and all pass the shared conformance suite in `backend.contract.ts`.
 *
 * Lifecycle is in the types: a `SandboxSpec` is what to start, a `Sandbox` is started
 * (spawn, exec, stop), a `SandboxProcess` is one process in it. `stop()` is idempotent.
 */
import type { Readable, Writable } from 'node:stream';
import type {
  BackendName,
  EnforcedLimits,
  HostMount,
  Limits,
  Relaxations,
} from '../state/index.js';
import type { ModelPolicy, ModelSpent } from '../protocol/model-policy.js';
import type { PriceTable } from '../gateway/usage-cost.js';
import type { BackendImages, EgressRoute, HealthCheck, ModelApi } from './capabilities.js';
import type { TerminalPort } from './terminal-port.js';

export type * from './capabilities.js';

export type { BackendName };

/** One model API the gateway forwards to, adding the real key held in `keyEnv`. */
export interface FenceModel {
  api: ModelApi;
  /** The real API as the gateway sees it (its origin; the agent's path is appended). */
  upstream: string;
  /** The variable holding the real key; its value is in `SandboxFence.secrets`. */
  keyEnv: string;
  /** The path the agent's base URL ends in (`/v1` for OpenAI's conventional one). */
  pathPrefix: string;
}

/**
 * Runs the sandbox behind the gateway (docker): the agent on an internal network whose one
 * way out is a gateway sidecar that holds the real keys.
 */
export interface SandboxFence {
  /** The instance's state dir: compose.yml, the gateway config, egress.log, usage.log. */
  stateDir: string;
  /** The instance's live `policy/` dir, mounted read-only into the gateway. */
  policyDir: string;
  models: FenceModel[];
  /** keyEnv → real value; reaches only the Compose process's environment. */
  secrets: Record<string, string>;
  /** When the sandbox stops, stop its containers but keep them (and the networks) for a look. */
  keep?: boolean;
  /** Prices the gateway meters cost with (`$CORRAL_HOME/prices.json`); none: cost unknown. */
  prices?: PriceTable;
  /** A network of the user's the gateway goes out through (`CORRAL_DOCKER_NETWORK`). */
  outboundNetwork?: string;
  /** What the agent may call and spend besides its CLI's calls (none: no limits). */
  modelPolicy?: ModelPolicy;
  /** What earlier runs of the instance spent, which its budget counts. */
  spent?: ModelSpent;
}

export interface SandboxSpec {
  instanceId: string;
  /** Host path of the workspace; the only host path the sandbox sees unless `mounts`. */
  workspaceDir: string;
  /** Container image (docker); ignored by backends without images. */
  image: string | null;
  /** Environment for every process in the sandbox (never the whole host environment). */
  env: Record<string, string>;
  limits: Limits;
  /**
   * Hardening switched off, item by item (absent: all on). A backend that cannot apply an
   * item refuses the spec in `prepare` with a CorralError (USAGE).
   */
  relax?: Relaxations;
  /** Host paths besides the workspace; refused unless `relax.hostMounts`. */
  mounts?: HostMount[];
  /** Labels that identify what corral created (keys from `labels.ts`). */
  labels: Record<string, string>;
  /**
   * `none`: no network at all. `open`: a way out, only to the hosts the instance's policy
   * allows (and its model API): through the gateway (docker, which needs `fence`), or
   * sandbox-runtime's filtering proxy (local).
   */
  network?: 'none' | 'open';
  /**
   * With `open`: the hosts (`name`, `*.name`, `host:port`) the local backend lets through;
   * docker's gateway reads them from the policy file in `fence.policyDir` instead.
   */
  allowHosts?: string[];
  /**
   * Commands the sandbox runs from the host's own installs (an agent's CLI): the local
   * backend makes the directories they live in readable; images carry their own.
   */
  tools?: string[];
  /** The PATH of the user who asked, where those tools are found (and the local sandbox's PATH). */
  hostPath?: string;
  /** With `open`: fence the sandbox behind the gateway (docker; required there). */
  fence?: SandboxFence;
}

export interface ProcessSpec {
  argv: string[];
  env?: Record<string, string>;
  /**
   * `pipe`: stdout/stderr are streams the caller reads, stdin is a stream it may write.
   * `terminal`: the process gets a real TTY wired to this process's terminal (raw mode,
   * window resize, Ctrl-C reaching the process); output is still teed to `stdout` when
   * the backend can.
   */
  stdio: 'pipe' | 'terminal';
  /**
   * With `terminal`: where its keys come from and its screen goes (a terminal the engine
   * hosts); this process's own terminal when absent.
   */
  terminal?: TerminalPort;
}

export interface ProcessExit {
  /** Exit code, or null when killed by a signal. */
  exitCode: number | null;
  signal: string | null;
}

export interface SandboxProcess {
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly stdin: Writable | null;
  /** Asks the process tree to end: SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  terminate(graceMs?: number): Promise<void>;
  wait(): Promise<ProcessExit>;
}

/** What finds a detached process again from another process: plain JSON. */
export type ProcessRef = Record<string, string | number | null>;

export interface LaunchSpec {
  argv: string[];
  env?: Record<string, string>;
  /** A short unique name for this launch (letters and digits). */
  tag: string;
}

/**
 * A command started to outlive the process that started it (the engine can be killed and
 * restarted meanwhile). Its stdin is closed and its output goes where its argv sends it
 * (files the sandbox writes), never through the starter, so it depends on nothing of it.
 */
export interface DetachedProcess {
  readonly ref: ProcessRef;
  /** Sends a signal to its process group; nothing when it is gone. */
  signal(signal: 'TERM' | 'KILL'): Promise<void>;
  isRunning(): Promise<boolean>;
}

export interface ExecResult extends ProcessExit {
  stdout: string;
  stderr: string;
}

export interface Sandbox extends AsyncDisposable {
  /** The backend's id for it (a container id, or the instance id for local). */
  readonly id: string;
  /** Where the workspace appears to processes inside the sandbox. */
  readonly workdir: string;
  /**
   * Paths in the work tree that the backend itself put there (gitignore patterns), never
   * the agent's work: bring-back leaves them out when untracked.
   */
  readonly placeholders?: readonly string[];
  /**
   * What enforces each of `SandboxSpec.limits` in this sandbox, null for one nothing
   * enforces. Absent on a sandbox found again (`findSandbox`), which does not know.
   */
  readonly limits?: EnforcedLimits;
  spawn(spec: ProcessSpec): Promise<SandboxProcess>;
  /** Starts a command detached (see `DetachedProcess`). */
  launch(spec: LaunchSpec): Promise<DetachedProcess>;
  /** A process `launch` started, by its ref (from any process). */
  reattach(ref: ProcessRef): DetachedProcess;
  /** Runs a command to completion and captures its output. */
  exec(
    argv: string[],
    options?: { env?: Record<string, string>; signal?: AbortSignal },
  ): Promise<ExecResult>;
  /** Ends every process and releases the sandbox. Idempotent. */
  stop(): Promise<void>;
  /**
   * Present when a stop can be split in two: `settle()` does what anyone reads after the
   * run needs (a fenced project: its agent ended, compose.log written); the run's end is
   * told then, and `stop()` after it only frees what is left (containers, networks).
   * Absent: `stop()` comes before the end is told (a local sandbox hands its workspace
   * back to its owner in it).
   */
  settle?(): Promise<void>;
  /**
   * Changes, live, which hosts the sandbox may reach (the instance's egress policy), for
   * processes already running and those to come. Absent where the backend cannot filter
   * by host yet.
   */
  setAllowedHosts?(hosts: string[]): Promise<void>;
  /**
   * Lets the sandbox's setup reach `hosts` besides the policy ([]: the policy alone again),
   * resolving once that is in force. Where absent, `setAllowedHosts` does it (run-setup.ts).
   */
  setSetupHosts?(hosts: string[]): Promise<void>;
}

export interface Probe {
  available: boolean;
  /** One line: what was found, or what is missing. */
  detail: string;
  /** The command that fixes it, when not available. */
  fix?: string;
  /** What would enforce a sandbox's limits on this host, when available. */
  limits?: EnforcedLimits;
}

export interface SandboxRecord {
  id: string;
  instanceId: string;
  /** The CORRAL_HOME that made it: one engine may serve several homes, gc touches only its own. */
  home: string;
  running: boolean;
}

export interface StartOptions {
  signal?: AbortSignal;
  /**
   * The workspace is still being written (a new instance's checkout) and is complete once
   * this resolves: the backend may start what needs none of its files meanwhile, runs
   * nothing in the sandbox before, and hands the files to the sandbox's user after. When
   * it rejects, the sandbox is stopped and `start` throws its error.
   */
  workspaceReady?: Promise<unknown>;
}

export interface Backend {
  readonly name: BackendName;
  /** How a sandbox with a way out reaches its model APIs and the hosts it may (capabilities.ts). */
  readonly egress: EgressRoute;
  /** What it does with images; absent for a backend whose sandboxes run on none. */
  readonly images?: BackendImages;
  /** The name under which a sandbox with `open` network reaches the host, or null (same host). */
  readonly hostAlias: string | null;
  probe(): Promise<Probe>;
  /** What `corral doctor` checks of it besides `probe` (images it needs, tools), once available. */
  diagnose?(): Promise<HealthCheck[]>;
  /** Checks what `spec` needs (an image, a binary) before anything is created; throws a CorralError. */
  prepare(spec: SandboxSpec): Promise<void>;
  start(spec: SandboxSpec, options?: StartOptions): Promise<Sandbox>;
  /**
   * Whether `start` gains from being called while the workspace is still checked out
   * (`StartOptions.workspaceReady`): the orchestrator then starts a new instance's sandbox
   * beside its checkout (early-sandboxes.ts).
   */
  readonly startsDuringCheckout?: boolean;
  /** Sandboxes of this backend labelled as corral's (for reconcile and gc). */
  listSandboxes(): Promise<SandboxRecord[]>;
  /** Removes a sandbox found by `listSandboxes`. Idempotent. */
  removeSandbox(id: string): Promise<void>;
  /** Re-finds the live sandbox of an instance (from another process), to exec in it. */
  findSandbox(instanceId: string): Promise<Sandbox | undefined>;
}
