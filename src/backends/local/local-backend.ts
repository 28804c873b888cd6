/**
 * The `local` backend: a sandbox is a host process fenced by bubblewrap through
 * `@anthropic-ai/sandbox-runtime` (srt). No container engine is needed, which makes it
 * the default when no Docker engine answers. The fence (`fence.ts`) lets a process see
 * only its workspace and the system directories programs need, write only the workspace,
 * and reach no network; HOME is inside the workspace's `.git` (`prepare-workspace.ts`).
 * The command never holds a capability: as root, srt runs as a uid of the sandbox's own
 * (`sandbox-user.ts`); either way an inner bubblewrap keeps it from making user
 * namespaces (`inner-fence.ts`). Limits are enforced by what the host offers
 * (`sandbox-limits.ts`) and the sandbox says which (`LocalSandbox.limits`).
 *
 * Of the `--unsafe-…` relaxations only `--unsafe-no-limits` means anything for a host
 * process; the others (`spec.relax`, `spec.mounts`) are container settings and are
 * refused as docker-only.
 */
import { mkdir, mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type {
  Backend,
  EgressRoute,
  Probe,
  SandboxRecord,
  SandboxSpec,
  StartOptions,
} from '../backend.js';
import { CorralError } from '../../lib/errors.js';
import { findCommand } from '../../lib/exec.js';
import { isValidInstanceId } from '../../lib/id.js';
import { listRelaxations } from '../../state/index.js';
import { createSandboxRun } from './create-sandbox-run.js';
import { LocalSandbox } from './local-sandbox.js';
import { probeSandboxRuntime, type TrialResult } from './probe-sandbox-runtime.js';
import {
  getLocalRunDir,
  getSandboxRunPaths,
  isPidRecordAlive,
  loadPidRecords,
  loadSandboxRecord,
  removeSandboxRun,
  type LocalSandboxRecord,
} from './sandbox-record.js';
import { loadSandboxRuntime, type SandboxRuntime } from './sandbox-runtime.js';

const removeGraceMs = 5000;
const trialTimeoutMs = 30_000;
/** Small, so that a host whose cgroups refuse small limits says so at once. */
const trialLimits = { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 };

export interface LocalBackendOptions {
  /** corral's state root ($CORRAL_HOME); hidden from every sandbox. */
  home: string;
}

function checkInstanceId(instanceId: string): void {
  // It names a directory under the state root: nothing that could climb out of it.
  if (!isValidInstanceId(instanceId)) {
    throw new CorralError('USAGE', `"${instanceId}" is not a valid instance id.`);
  }
}

/** The `--unsafe-…` relaxations but no-limits are container settings; a host process has none. */
function refuseRelaxations(spec: SandboxSpec): void {
  const relax = { ...spec.relax, noLimits: false };
  const flags = listRelaxations(relax, spec.mounts ?? []).map((r) => r.flag);
  if (flags.length === 0) return;
  throw new CorralError(
    'USAGE',
    `${flags.join(', ')}: docker-only, the local backend cannot apply ${flags.length > 1 ? 'them' : 'it'}.`,
    { hint: 'Run with --backend docker, or drop the flag.' },
  );
}

export class LocalBackend implements Backend {
  readonly name = 'local' as const;
  /** A local sandbox runs on the host itself: loopback is loopback. */
  readonly hostAlias = null;
  /** Every sandbox runs behind sandbox-runtime's proxy; model gateways run on the host. */
  readonly egress: EgressRoute = { kind: 'host' };
  readonly #home: string;
  #runtime: SandboxRuntime | undefined;
  #available: Promise<Probe> | undefined;

  constructor(options: LocalBackendOptions) {
    this.#home = resolve(options.home);
  }

  get #sandboxRuntime(): SandboxRuntime {
    this.#runtime ??= loadSandboxRuntime();
    return this.#runtime;
  }

  /** A success is kept for the life of this backend object; a failure is asked again. */
  async probe(): Promise<Probe> {
    const probe = await (this.#available ??= probeSandboxRuntime(
      this.#sandboxRuntime,
      this.#home,
      () => this.#trial(),
    ));
    if (!probe.available) this.#available = undefined;
    return probe;
  }

  /**
   * A sandbox started as every sandbox is, over a scratch workspace and state root, that
   * runs `true`: what it says is what a real one would meet.
   */
  async #trial(): Promise<TrialResult> {
    const dir = await mkdtemp(join(tmpdir(), 'corral-probe-'));
    try {
      const workspaceDir = join(dir, 'workspace');
      await mkdir(workspaceDir);
      const scratch = new LocalBackend({ home: join(dir, 'home') });
      scratch.#runtime = this.#sandboxRuntime;
      const sandbox = await scratch.start({
        instanceId: 'probe',
        workspaceDir,
        image: null,
        env: {},
        limits: trialLimits,
        labels: {},
      });
      try {
        const r = await sandbox.exec(['true'], { signal: AbortSignal.timeout(trialTimeoutMs) });
        if (r.exitCode === 0) return { failure: null, limits: sandbox.limits };
        const last = r.stderr.trim().split('\n').at(-1)?.trim();
        return { failure: last || `exit code ${r.exitCode}` };
      } finally {
        await sandbox.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async #ensureAvailable(): Promise<void> {
    const probe = await this.probe();
    if (probe.available) return;
    throw new CorralError(
      'BACKEND_UNAVAILABLE',
      `The local backend is not available: ${probe.detail}.`,
      {
        hint: probe.fix
          ? `Run \`${probe.fix}\`, or use --backend docker.`
          : 'Use --backend docker.',
      },
    );
  }

  async prepare(spec: SandboxSpec): Promise<void> {
    checkInstanceId(spec.instanceId);
    refuseRelaxations(spec);
    await this.#ensureAvailable();
    await this.#workspaceRealPath(spec.workspaceDir);
  }

  async #workspaceRealPath(workspaceDir: string): Promise<string> {
    try {
      return await realpath(workspaceDir);
    } catch (error) {
      throw new CorralError('WORKSPACE_GONE', `The workspace ${workspaceDir} does not exist.`, {
        cause: error,
      });
    }
  }

  /** Starts the sandbox of `spec.instanceId`, replacing (and ending) any earlier one. */
  async start(spec: SandboxSpec, options: StartOptions = {}): Promise<LocalSandbox> {
    // Nothing here gains from starting before the workspace is written.
    await options.workspaceReady;
    options.signal?.throwIfAborted();
    checkInstanceId(spec.instanceId);
    refuseRelaxations(spec);
    const workspaceDir = await this.#workspaceRealPath(spec.workspaceDir);
    const paths = getSandboxRunPaths(this.#home, spec.instanceId);
    // A leftover of a crashed corral must not keep running beside the new sandbox.
    await removeSandboxRun(paths, removeGraceMs);
    const record = await createSandboxRun({
      spec,
      workspaceDir,
      paths,
      runtime: this.#sandboxRuntime,
      bwrap: (await findCommand('bwrap')) ?? 'bwrap',
      shell: (await findCommand('bash')) ?? 'bash',
    });
    if (options.signal?.aborted) {
      await removeSandboxRun(paths, 0);
      options.signal.throwIfAborted();
    }
    return this.#open(record);
  }

  #open(record: LocalSandboxRecord): LocalSandbox {
    return new LocalSandbox({
      instanceId: record.instanceId,
      workspaceDir: record.workspaceDir,
      paths: getSandboxRunPaths(this.#home, record.instanceId),
      srtCli: this.#sandboxRuntime.cli,
      env: record.env,
      proxied: record.proxied ?? false,
      launchPrefix: record.launchPrefix ?? [],
      innerFence: record.bwrap
        ? { bwrap: record.bwrap, shell: record.shell ?? 'bash', nproc: record.nproc ?? null }
        : null,
      pidNamespaces: record.pidNamespaces ?? 2,
      limits: record.limits ?? { memory: null, cpus: null, pids: null },
    });
  }

  /**
   * The sandbox of `instanceId` as started by any corral process (it reads the record),
   * or undefined when there is none. Stopping it ends every process it has.
   *
   * @example
   * const sandbox = await backend.findSandbox('claude-k3x9q');
   * await sandbox?.exec(['git', 'status']);
   */
  async findSandbox(instanceId: string): Promise<LocalSandbox | undefined> {
    if (!isValidInstanceId(instanceId)) return undefined;
    const record = await loadSandboxRecord(getSandboxRunPaths(this.#home, instanceId));
    return record ? this.#open(record) : undefined;
  }

  async listSandboxes(): Promise<SandboxRecord[]> {
    const names = await readdir(getLocalRunDir(this.#home)).catch(() => [] as string[]);
    return Promise.all(
      names.filter(isValidInstanceId).map(async (id) => {
        const paths = getSandboxRunPaths(this.#home, id);
        const pids = await loadPidRecords(paths);
        return { id, instanceId: id, home: this.#home, running: pids.some(isPidRecordAlive) };
      }),
    );
  }

  async removeSandbox(id: string): Promise<void> {
    if (!isValidInstanceId(id)) return;
    await removeSandboxRun(getSandboxRunPaths(this.#home, id), removeGraceMs);
  }
}
