/**
 * Creates an instance: checks the source repository, snapshots the base, makes the state
 * dir and the workspace, and writes the first record. Everything that can fail because of
 * bad input fails here, before any sandbox starts; on failure nothing half-made is left
 * (the state dir and the base ref are removed).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CorralError } from '../lib/errors.js';
import { newInstanceId, isValidInstanceId } from '../lib/id.js';
import { trace } from '../lib/trace.js';
import {
  getInstancesDir,
  getObjectCachePath,
  metadataSchemaVersion,
  type BackendName,
  type HostMount,
  type Limits,
  type Metadata,
  type Relaxations,
  type SandboxSetup,
} from '../state/index.js';
import type { ModelPolicy } from '../gateway/policy.js';
import { EventBus } from '../events/index.js';
import { cloneWorkspace, pinBase, snapshotBase, type SourceRepo } from '../workspace/index.js';
import { writeEgressPolicy } from '../gateway/policy.js';
import type { InstanceStore } from './instance-store.js';

export interface CreateRequest {
  /** The source repository (the caller looked it up: it also picks the image from it). */
  repo: SourceRepo;
  from?: string;
  agent: string;
  /** The shell agent's command, or extra arguments for an agent CLI. */
  command: string[];
  prompt: string | null;
  /** Paths of --context files (already read into `context`). */
  contextFiles: string[];
  context: string | null;
  network: 'none' | 'open';
  /** Hosts the instance may reach from the start (its egress policy; editable live). */
  allowHosts: string[];
  backend: BackendName;
  image: string | null;
  name?: string;
  keep: boolean;
  timeoutMs?: number;
  interactive: boolean;
  limits: Limits;
  relax: Relaxations;
  mounts: HostMount[];
  /** What the model gateway lets the agent call and spend besides its CLI's calls. */
  modelPolicy: ModelPolicy;
  /** Started in the background at once: recorded as a run starting (see Orchestrator.create). */
  detached: boolean;
  /** The workspace gets the base's history only (provision.ts: ProvisionRequest). */
  baseHistoryOnly: boolean;
  /** Run in the sandbox before its agent starts, each time (supervise.ts). */
  setup: SandboxSetup | null;
  /**
   * Called as the checkout begins, with the record to be and what resolves once the
   * workspace is complete (rejects if it fails): the sandbox may start beside it.
   */
  onCheckout?: (metadata: Metadata, workspaceReady: Promise<unknown>) => void;
}

export async function createInstance(
  store: InstanceStore,
  request: CreateRequest,
): Promise<Metadata> {
  if (request.name !== undefined && !isValidInstanceId(request.name)) {
    throw new CorralError('USAGE', `--name '${request.name}' is not a valid name.`, {
      hint: 'Use lowercase letters, digits and dashes (at most 63).',
    });
  }
  trace('ready to create');
  const { repo } = request;
  await mkdir(getInstancesDir(store.home), { recursive: true });
  const id = await reserveId(store, request.agent);
  const paths = store.paths(id);
  const branch = `corral/${id}`;
  try {
    // No lock on the source repository: the snapshot only adds objects (git writes each
    // one atomically, and the same object twice is the same file) and a ref of its own,
    // with an index of its own; the clone only reads. Instances created together are made
    // at once (under a lock, 20 waited for each other's snapshots, one by one).
    const base = await snapshotBase(repo, { from: request.from });
    await pinBase(repo.root, id, base);
    trace('snapshot');
    const now = new Date().toISOString();
    const metadata: Metadata = {
      schemaVersion: metadataSchemaVersion,
      id,
      name: request.name ?? null,
      agent: request.agent,
      backend: request.backend,
      command: request.command,
      interactive: request.interactive,
      setup: request.setup,
      turnBase: null,
      sourceRepo: repo.root,
      base,
      branch,
      image: request.image,
      limits: request.limits,
      enforcedLimits: null,
      relax: request.relax,
      mounts: request.mounts,
      modelPolicy: request.modelPolicy,
      network: request.network,
      prompt: request.prompt,
      agentSessionId: null,
      contextFiles: request.contextFiles,
      summary: null,
      keep: request.keep,
      timeoutMs: request.timeoutMs ?? null,
      status: 'created',
      exitCode: null,
      signal: null,
      createdAt: now,
      preparedAt: now,
      startedAt: null,
      endedAt: null,
      durationMs: null,
      supervisor: null,
      sandboxId: null,
      run: request.detached
        ? {
            tag: randomBytes(6).toString('hex'),
            phase: 'starting',
            process: null,
            gateway: null,
            baseHosts: [],
            deadlineAt: request.timeoutMs
              ? new Date(Date.parse(now) + request.timeoutMs).toISOString()
              : null,
            stop: null,
          }
        : null,
      workspaceRemoved: false,
      bringBack: null,
      message: null,
    };
    // Into the workspace's directory, made first: a sandbox may start over it meanwhile.
    await mkdir(paths.workspace);
    const cloned = cloneWorkspace({
      sourceRoot: repo.root,
      id,
      base,
      branch,
      workspaceDir: paths.workspace,
      baseHistoryOnly: request.baseHistoryOnly,
      objectCache: getObjectCachePath(store.home, repo.root),
    });
    request.onCheckout?.(metadata, cloned);
    await cloned;
    trace('clone');
    if (request.context !== null) await writeFile(paths.context, request.context);
    await mkdir(dirname(paths.policyFile), { recursive: true });
    await writeEgressPolicy(paths.policyFile, { allow: request.allowHosts });
    // The event first: a record on disk always has its instance.created (a process killed
    // in between leaves a state dir with no record, which nothing lists).
    const events = await EventBus.open(paths.events, metadata.id);
    events.push({
      id,
      type: 'instance.created',
      backend: request.backend,
      branch,
      base,
      command: request.command,
    });
    await events.flush();
    await store.save(metadata);
    return metadata;
  } catch (error) {
    await store.remove(id);
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw new CorralError('DISK_FULL', `The disk holding ${store.home} is full.`, {
        hint: 'Free some space (or point CORRAL_HOME at a bigger disk) and run again.',
        cause: error,
      });
    }
    throw error;
  }
}

/** Picks a fresh id and claims its state dir atomically (mkdir fails if it exists). */
async function reserveId(store: InstanceStore, agent: string): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const id = newInstanceId(agent);
    try {
      await mkdir(store.paths(id).dir);
      return id;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
        throw new CorralError('DISK_FULL', `The disk holding ${store.home} is full.`, {
          hint: 'Free some space (or point CORRAL_HOME at a bigger disk) and run again.',
        });
      }
      throw error;
    }
  }
  throw new CorralError('INTERNAL', 'Could not find a free instance id after 20 tries.');
}
