/**
 * Sets up everything a local sandbox needs before its first process, and records it
 * (`sandbox-record.ts`) so that any corral process can run more processes in it and
 * `removeSandboxRun` can undo it all: the fence (settings file), srt's temporary
 * directory, HOME and placeholders in the workspace, the limits (cgroups or rlimit),
 * and, when corral is root, the sandbox's own uid with the workspace handed to it and
 * what that uid must be shown (`reach-plan.ts`, `launch-prefix.ts`).
 *
 * The record is written before anything is handed over: a failure (or a crash) past that
 * point leaves a record that gives the workspace back and releases the uid.
 */
import { createHash } from 'node:crypto';
import { chown, mkdtemp, realpath, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SandboxSpec } from '../backend.js';
import { CorralError } from '../../lib/errors.js';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { buildFence } from './fence.js';
import { handWorkspaceTo, loadWorkspaceOwner } from './hand-over.js';
import { buildLaunchPrefix } from './launch-prefix.js';
import { prepareWorkspace } from './prepare-workspace.js';
import { planReach, type CoveredDir } from './reach-plan.js';
import {
  ensureSandboxRunDir,
  removeSandboxRun,
  saveSandboxRecord,
  srtTmpPrefix,
  type LocalSandboxRecord,
  type SandboxRunPaths,
} from './sandbox-record.js';
import { createSandboxLimits, removeSandboxLimits, type SandboxLimits } from './sandbox-limits.js';
import type { SandboxRuntime } from './sandbox-runtime.js';
import {
  claimSandboxUser,
  needsSandboxUser,
  releaseSandboxUser,
  type SandboxUser,
} from './sandbox-user.js';
import { getToolDirs } from './tool-dirs.js';

export const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SandboxRunInput {
  spec: SandboxSpec;
  /** Real path of the workspace. */
  workspaceDir: string;
  paths: SandboxRunPaths;
  runtime: SandboxRuntime;
  /** Absolute paths of bubblewrap and bash (the inner fence runs them). */
  bwrap: string;
  shell: string;
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

/** Unique per state root and instance: two homes may each have an instance of one id. */
function cgroupName(home: string, instanceId: string): string {
  const tag = createHash('sha256').update(home).digest('hex').slice(0, 8);
  return `corral-${tag}-${instanceId}`;
}

const noLimits: SandboxLimits = {
  enforced: { memory: null, cpus: null, pids: null },
  cgroups: [],
  nproc: null,
};

/**
 * What the sandbox's uid must reach, and must be able to read there: the programs it runs
 * (Node, srt and its dependencies, the agent's install). The rest is its own already.
 */
async function planCovers(
  user: SandboxUser,
  input: SandboxRunInput,
  srtTmpDir: string,
  toolDirs: string[],
): Promise<CoveredDir[]> {
  const node = dirname(dirname(await realpath(process.execPath)));
  const programs = [node, input.runtime.modulesDir, ...toolDirs];
  const plan = await planReach(
    user,
    [input.workspaceDir, input.paths.fence, srtTmpDir, ...programs],
    programs,
  );
  if (plan.unreadable.length > 0) {
    throw new CorralError(
      'BACKEND_UNAVAILABLE',
      `The local sandbox runs as an unprivileged user (uid ${user.uid}), which cannot read ${plan.unreadable.join(', ')}.`,
      { hint: 'Make it readable by others (chmod o+rX), or install it elsewhere.' },
    );
  }
  return plan.covered;
}

export async function createSandboxRun(input: SandboxRunInput): Promise<LocalSandboxRecord> {
  const { spec, workspaceDir, paths, runtime } = input;
  const home = paths.home;
  // The asking user's PATH (the engine's own may differ), where the agent CLI is found.
  const hostPath = spec.hostPath ?? process.env.PATH ?? defaultPath;
  const user = needsSandboxUser() ? await claimSandboxUser(home, spec.instanceId) : undefined;
  let srtTmpDir: string | undefined;
  let cgroups: string[] = [];
  let saved = false;
  try {
    await ensureSandboxRunDir(paths, user);
    srtTmpDir = await mkdtemp(join(tmpdir(), srtTmpPrefix));
    const toolDirs = await getToolDirs(spec.tools ?? [], hostPath, process.execPath, {
      home: homedir(),
      stateRoot: home,
    });
    const fence = await buildFence({
      workspaceDir,
      home,
      vendorDir: runtime.vendorDir,
      allowHosts: spec.allowHosts ?? [],
      proxyDir: srtTmpDir,
      toolDirs,
    });
    await writeFileAtomic(paths.settings, `${JSON.stringify(fence, null, 2)}\n`);
    const homeDir = await prepareWorkspace(workspaceDir);
    const limits = spec.relax?.noLimits
      ? noLimits
      : await createSandboxLimits(cgroupName(home, spec.instanceId), spec.limits);
    cgroups = limits.cgroups;
    const covered = user ? await planCovers(user, input, srtTmpDir, toolDirs) : [];
    const record: LocalSandboxRecord = {
      instanceId: spec.instanceId,
      workspaceDir,
      homeDir,
      srtTmpDir,
      env: buildSrtEnv(spec.env, homeDir, srtTmpDir, hostPath),
      labels: spec.labels,
      // Always: hosts can be allowed later, live (`corral allow`).
      proxied: true,
      ...(user ? { user, owner: await loadWorkspaceOwner(workspaceDir) } : {}),
      launchPrefix: buildLaunchPrefix({
        cgroupProcs: limits.cgroups.map((dir) => join(dir, 'cgroup.procs')),
        user,
        covered,
      }),
      bwrap: input.bwrap,
      shell: input.shell,
      nproc: limits.nproc,
      cgroups: limits.cgroups,
      limits: limits.enforced,
      pidNamespaces: runtime.pidNamespaces,
      createdAt: new Date().toISOString(),
    };
    await saveSandboxRecord(paths, record);
    saved = true;
    if (user) {
      await handWorkspaceTo(workspaceDir, user);
      await chown(srtTmpDir, user.uid, user.gid);
    }
    return record;
  } catch (error) {
    if (srtTmpDir) await rm(srtTmpDir, { recursive: true, force: true });
    await removeSandboxRun(paths, 0);
    if (!saved) await removeSandboxLimits(cgroups);
    if (user && !saved) await releaseSandboxUser(user, home, spec.instanceId);
    throw error;
  }
}
