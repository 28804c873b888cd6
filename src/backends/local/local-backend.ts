/**
 * The `local` backend: a sandbox is a host process fenced by bubblewrap through
 * `@anthropic-ai/sandbox-runtime` (srt). No container engine is needed, which makes it
 * the default when no Docker engine answers. The fence (`fence.ts`) lets a process see
 * only its workspace and the system directories programs need, write only the workspace,
 * and reach no network; HOME is inside the workspace's `.git` (`prepare-workspace.ts`).
 *
 * What it does not do: resource limits. srt does not enforce memory, pids or CPU, and the
 * cheap substitutes do harm: RLIMIT_AS breaks V8 and Bun (they reserve far more address
 * space than they use; node does not start under 512 MiB), and RLIMIT_NPROC counts every
 * process of the user, not the sandbox's (and root ignores it). cgroups would do it but
 * need root or a delegated subtree. So `SandboxSpec.limits` is accepted and not enforced;
 * use the docker backend when limits matter. The `--unsafe-…` relaxations (`spec.relax`,
 * `spec.mounts`) are container settings and are refused as docker-only.
 */
import { mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Backend, Probe, SandboxRecord, SandboxSpec } from '../backend.js';
import { CorralError } from '../../lib/errors.js';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { isValidInstanceId } from '../../lib/id.js';
import { listRelaxations } from '../../state/index.js';
import { buildFence } from './fence.js';
import { getToolDirs } from './tool-dirs.js';
import { LocalSandbox } from './local-sandbox.js';
import { prepareWorkspace } from './prepare-workspace.js';
import { probeSandboxRuntime } from './probe-sandbox-runtime.js';
import {
  ensureSandboxRunDir,
  getLocalRunDir,
  getSandboxRunPaths,
  isPidRecordAlive,
  loadPidRecords,
  loadSandboxRecord,
  removeSandboxRun,
  saveSandboxRecord,
  srtTmpPrefix,
  type LocalSandboxRecord,
} from './sandbox-record.js';
import { loadSandboxRuntime, type SandboxRuntime } from './sandbox-runtime.js';

const removeGraceMs = 5000;
const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface LocalBackendOptions {
  /** corral's state root ($CORRAL_HOME); hidden from every sandbox. */
  home: string;
}

/**
 * The environment srt runs with, which it passes on to the command: what the spec says,
 * plus the few variables programs need, never the host's environment as a whole.
 * TMPDIR is srt's own (host side); the command gets its TMPDIR from CLAUDE_CODE_TMPDIR,
 * because srt replaces TMPDIR inside the sandbox with that (default /tmp/claude, which
 * does not exist under a fence that hides /tmp, so mktemp would fail).
 */
function buildSrtEnv(
  specEnv: Record<string, string>,
  homeDir: string,
  srtTmpDir: string,
  hostPath: string,
): Record<string, string> {
  return {
    PATH: hostPath,
    HOME: homeDir,
    TERM: process.env.TERM ?? 'dumb',
    LANG: process.env.LANG ?? 'C.UTF-8',
    CLAUDE_CODE_TMPDIR: specEnv.TMPDIR ?? '/tmp',
    // bash sources ~/.bashrc for `bash -c` when stdin is a socket and it believes it is
    // the first shell, and node's stdio pipes are socketpairs: srt's own `bash -c` would
    // run whatever an agent put in its ~/.bashrc before every later command. From level 1
    // on it does not, as in a container.
    SHLVL: '1',
    ...specEnv,
    TMPDIR: srtTmpDir,
  };
}

function checkInstanceId(instanceId: string): void {
  // It names a directory under the state root: nothing that could climb out of it.
  if (!isValidInstanceId(instanceId)) {
    throw new CorralError('USAGE', `"${instanceId}" is not a valid instance id.`);
  }
}

/** The `--unsafe-…` relaxations are container settings; a host process has none of them. */
function refuseRelaxations(spec: SandboxSpec): void {
  const flags = listRelaxations(spec.relax ?? {}, spec.mounts ?? []).map((r) => r.flag);
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
    const probe = await (this.#available ??= probeSandboxRuntime(this.#sandboxRuntime, this.#home));
    if (!probe.available) this.#available = undefined;
    return probe;
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
  async start(spec: SandboxSpec, options: { signal?: AbortSignal } = {}): Promise<LocalSandbox> {
    options.signal?.throwIfAborted();
    checkInstanceId(spec.instanceId);
    refuseRelaxations(spec);
    const workspaceDir = await this.#workspaceRealPath(spec.workspaceDir);
    const paths = getSandboxRunPaths(this.#home, spec.instanceId);
    const hostPath = spec.hostPath ?? process.env.PATH ?? defaultPath;
    // A leftover of a crashed corral must not keep running beside the new sandbox.
    await removeSandboxRun(paths, removeGraceMs);
    let srtTmpDir: string | undefined;
    try {
      await ensureSandboxRunDir(paths);
      srtTmpDir = await mkdtemp(join(tmpdir(), srtTmpPrefix));
      const fence = await buildFence({
        workspaceDir,
        home: this.#home,
        vendorDir: this.#sandboxRuntime.vendorDir,
        allowHosts: spec.allowHosts ?? [],
        proxyDir: srtTmpDir,
        toolDirs: await getToolDirs(spec.tools ?? [], hostPath, process.execPath, {
          home: homedir(),
          stateRoot: this.#home,
        }),
      });
      await writeFileAtomic(paths.settings, `${JSON.stringify(fence, null, 2)}\n`);
      const homeDir = await prepareWorkspace(workspaceDir);
      const record: LocalSandboxRecord = {
        instanceId: spec.instanceId,
        workspaceDir,
        homeDir,
        srtTmpDir,
        env: buildSrtEnv(spec.env, homeDir, srtTmpDir, hostPath),
        labels: spec.labels,
        // Always: hosts can be allowed later, live (`corral allow`).
        proxied: true,
        createdAt: new Date().toISOString(),
      };
      await saveSandboxRecord(paths, record);
      options.signal?.throwIfAborted();
      return this.#open(record);
    } catch (error) {
      if (srtTmpDir) await rm(srtTmpDir, { recursive: true, force: true });
      await removeSandboxRun(paths, 0);
      throw error;
    }
  }

  #open(record: LocalSandboxRecord): LocalSandbox {
    return new LocalSandbox({
      instanceId: record.instanceId,
      workspaceDir: record.workspaceDir,
      paths: getSandboxRunPaths(this.#home, record.instanceId),
      srtCli: this.#sandboxRuntime.cli,
      env: record.env,
      proxied: record.proxied ?? false,
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
