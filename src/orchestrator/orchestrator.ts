/**
 * The orchestrator: what the CLI asks for, in domain terms. It creates instances, runs
 * them in the foreground or hands them to a detached supervisor process, stops, resumes,
 * removes and garbage-collects them. Backends and the instance store come in through the
 * constructor (composition root: src/app.ts); nothing here is module-level state.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Backend, BackendName } from '../backends/backend.js';
import { chooseBackend, type BackendChoice, type BackendRegistry } from '../backends/detect.js';
import { CorralError } from '../lib/errors.js';
import {
  describeStatus,
  isEnded,
  isSupervisorAlive,
  type HostMount,
  type Limits,
  type Metadata,
  type Relaxations,
} from '../state/index.js';
import { getBaseTip, git, loadSourceRepo } from '../workspace/index.js';
import { getAgent, type AgentAdapter } from '../agents/index.js';
import { pickCredentials } from '../agents/host-env.js';
import {
  allowHost,
  denyHost,
  loadEgressPolicy,
  listBuiltInCalls,
  openModelPolicy,
  parseHostPattern,
  type EgressPolicy,
  type ModelBudget,
  type ModelPolicy,
} from '../gateway/policy.js';
import { expandAllowEntries, expandAllowPresets } from './allow-presets.js';
import { createInstance } from './create-instance.js';
import { loadEgressAttempts, type EgressAttempts } from './egress-attempts.js';
import { getAgentApis } from './fence-launch.js';
import { InstanceQueries } from './instance-queries.js';
import { InstanceStore, type InstanceStoreHooks } from './instance-store.js';
import type { IndexHandle } from '../store/index.js';
import { checkModelPolicy } from './model-policy-check.js';
import { loadModelUsage, type ModelUsage } from './model-usage.js';
import { loadPriceTable } from './price-table.js';
import { rememberRepo } from './repo-registry.js';
import { superviseInstance, type SuperviseIO } from './supervise.js';
import {
  approveRequest,
  loadInstanceRequests,
  rejectRequest,
  type AnswerOutcome,
  type ApproveOptions,
  type InstanceRequests,
} from './requests/index.js';
import { removeInstanceImages } from '../backends/docker/index.js';

export interface RunRequest {
  repoDir: string;
  from?: string;
  /** Which agent runs (shell: any command). */
  agent: string;
  /** The shell agent's command, or extra arguments for an agent CLI. */
  command: string[];
  /** The task for a headless agent (-p). */
  prompt?: string;
  /** Files whose text is placed where the agent reads its instructions. */
  contextFiles?: string[];
  /** Hosts the sandbox may reach from the start (`--allow-host`). */
  allowHosts?: string[];
  /** Presets whose hosts it may reach from the start (`--allow npm`; allow-presets.ts). */
  allowPresets?: string[];
  backend: BackendChoice;
  image?: string;
  name?: string;
  keep: boolean;
  timeoutMs?: number;
  interactive: boolean;
  limits: Limits;
  /** Hardening switched off (`--unsafe-…`); recorded, and applied on every run. */
  relax?: Relaxations;
  /** Host paths besides the workspace (`--unsafe-mount`). */
  mounts?: HostMount[];
  /**
   * What the model gateway lets the agent call and spend besides its CLI's calls
   * (`--allow-model-api`, `--model`, `--budget-…`); recorded, and applied on every run.
   */
  modelPolicy?: ModelPolicy;
}

export interface OrchestratorDeps {
  home: string;
  backends: BackendRegistry;
  /**
   * The image a docker instance of a repository runs in: the one asked for (`--image`), or
   * what the repository's devcontainer or corral's defaults give for a command or an agent.
   */
  image: (request: {
    repoRoot: string;
    purpose: 'command' | 'agent';
    requested: string | undefined;
  }) => Promise<string>;
  /** argv that starts this CLI (node + script), for the detached supervisor. */
  selfCommand: string[];
  log: (line: string) => void;
  /** The instance index (opened on first use). */
  index: IndexHandle;
  /** What keeps the index current when records are written or removed. */
  storeHooks?: InstanceStoreHooks;
}

export class Orchestrator {
  readonly store: InstanceStore;
  /** Listing and the index: what `ls` and `index rebuild` ask. */
  readonly queries: InstanceQueries;

  constructor(private readonly deps: OrchestratorDeps) {
    this.store = new InstanceStore(deps.home, deps.storeHooks);
    this.queries = new InstanceQueries({ store: this.store, index: deps.index, log: deps.log });
  }

  get home(): string {
    return this.deps.home;
  }

  backend(name: BackendName): Backend {
    return this.deps.backends.get(name);
  }

  /** Validates everything and provisions the instance; nothing runs yet. */
  async create(request: RunRequest): Promise<Metadata> {
    const agent = getAgent(request.agent);
    checkAgentRequest(agent, request);
    // Fail on a missing credential before anything is made.
    pickCredentials(agent, process.env);
    const modelPolicy = request.modelPolicy ?? openModelPolicy;
    checkModelPolicy(agent, modelPolicy, await loadPriceTable(this.home), this.home);
    const context = await readContextFiles(request.contextFiles ?? []);
    const backend = await chooseBackend(this.deps.backends, request.backend);
    const needsAgentImage = agent.binary !== null && agent.name !== 'fake';
    let image: string | null = null;
    if (backend.name === 'docker') {
      image = await this.deps.image({
        repoRoot: (await loadSourceRepo(request.repoDir)).root,
        purpose: needsAgentImage ? 'agent' : 'command',
        requested: request.image,
      });
    }
    const allowHosts = checkHosts([
      ...new Set([
        ...expandAllowPresets(request.allowPresets ?? []),
        ...(request.allowHosts ?? []),
      ]),
    ]);
    // A way out for an agent's model API, or for the hosts a command is allowed; on docker
    // that way is always the gateway.
    const network = agent.needsNetwork || allowHosts.length > 0 ? 'open' : 'none';
    await backend.prepare({
      instanceId: 'preflight',
      workspaceDir: request.repoDir,
      image,
      env: {},
      limits: request.limits,
      relax: request.relax ?? {},
      mounts: request.mounts ?? [],
      labels: {},
      network,
    });
    const metadata = await createInstance(this.store, {
      repoDir: request.repoDir,
      from: request.from,
      agent: agent.name,
      command: request.command,
      prompt: request.prompt ?? null,
      contextFiles: request.contextFiles ?? [],
      context,
      network,
      allowHosts,
      backend: backend.name,
      image,
      name: request.name,
      keep: request.keep,
      timeoutMs: request.timeoutMs,
      interactive: request.interactive,
      limits: request.limits,
      relax: request.relax ?? {},
      mounts: request.mounts ?? [],
      modelPolicy,
    });
    await rememberRepo(this.home, metadata.sourceRepo);
    return metadata;
  }

  /** Runs an instance in this process until it ends. */
  async supervise(id: string, io: SuperviseIO, cancel?: AbortSignal): Promise<Metadata> {
    const m = await this.store.load(id);
    return superviseInstance({
      store: this.store,
      backend: this.backend(m.backend),
      id,
      io,
      cancel,
      log: this.deps.log,
    });
  }

  /** Hands the instance to a background supervisor process and returns at once. */
  detach(id: string): void {
    const [cmd, ...args] = this.deps.selfCommand;
    const logFd = openSync(join(this.store.paths(id).dir, 'supervisor.log'), 'a');
    try {
      const child = spawn(cmd!, [...args, '__supervise', id], {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: { ...process.env, CORRAL_HOME: this.home },
      });
      child.unref();
    } finally {
      closeSync(logFd);
    }
  }

  /** Stops a running instance gracefully (its work is kept) and waits until it has ended. */
  async stop(ref: string, options: { timeoutMs?: number } = {}): Promise<Metadata> {
    let m = await this.store.resolve(ref);
    if (isEnded(m.status)) return this.removeLeftoverSandbox(m).then(() => m);
    if (m.supervisor && isSupervisorAlive(m.supervisor)) {
      process.kill(m.supervisor.pid, 'SIGTERM');
      const deadline = Date.now() + (options.timeoutMs ?? 60_000);
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        m = await this.store.load(m.id);
        if (isEnded(m.status)) return m;
        if (m.supervisor && !isSupervisorAlive(m.supervisor)) break;
      }
    }
    m = await this.store.reconcile(await this.store.load(m.id));
    await this.removeLeftoverSandbox(m);
    return m;
  }

  private async removeLeftoverSandbox(m: Metadata): Promise<void> {
    const backend = this.backend(m.backend);
    if (!(await backend.probe()).available) return;
    for (const s of await backend.listSandboxes()) {
      if (s.instanceId === m.id) await backend.removeSandbox(s.id);
    }
  }

  /** Prepares a kept instance to run again on the same workspace and branch. */
  async prepareResume(
    ref: string,
    command: string[] | undefined,
    options: {
      timeoutMs?: number;
      interactive: boolean;
      prompt?: string;
      /** A new budget (each limit given replaces the recorded one). */
      budget?: Partial<ModelBudget>;
    },
  ): Promise<Metadata> {
    const m = await this.store.resolve(ref);
    const agent = getAgent(m.agent);
    pickCredentials(agent, process.env);
    const modelPolicy: ModelPolicy = {
      ...m.modelPolicy,
      budget: { ...m.modelPolicy.budget, ...options.budget },
    };
    checkModelPolicy(agent, modelPolicy, await loadPriceTable(this.home), this.home);
    const spentOut = await this.checkBudgetLeft(m.id, modelPolicy.budget);
    if (spentOut) {
      throw new CorralError('USAGE', `${m.id} ${spentOut}.`, {
        hint: `Resume it with a larger budget: corral resume ${m.id} --budget-tokens <n> (or --budget-usd <usd>).`,
      });
    }
    if (!isEnded(m.status)) {
      throw new CorralError('INSTANCE_RUNNING', `${m.id} is still ${describeStatus(m.status)}.`, {
        hint: `Stop it first: corral stop ${m.id}`,
      });
    }
    const present = await stat(this.store.paths(m.id).workspace).then(
      () => true,
      () => false,
    );
    if (m.workspaceRemoved || !present) {
      throw new CorralError(
        'WORKSPACE_GONE',
        `The workspace of ${m.id} was removed when it ended.`,
        {
          hint: `Run with --keep to resume later; start a new instance from its branch with: corral run --from ${m.branch} -- …`,
        },
      );
    }
    const backend = this.backend(m.backend);
    const probe = await backend.probe();
    if (!probe.available) {
      throw new CorralError(
        'BACKEND_UNAVAILABLE',
        `${m.id} ran on ${m.backend}, which is not available: ${probe.detail}.`,
        {
          hint: probe.fix ? `Fix: ${probe.fix}.` : undefined,
        },
      );
    }
    await backend.prepare({
      instanceId: m.id,
      workspaceDir: this.store.paths(m.id).workspace,
      image: m.image,
      env: {},
      limits: m.limits,
      relax: m.relax,
      mounts: m.mounts,
      labels: {},
    });
    return this.store.update(m.id, {
      command: command && command.length ? command : m.command,
      prompt: options.prompt ?? m.prompt,
      interactive: options.interactive,
      timeoutMs: options.timeoutMs ?? m.timeoutMs,
      modelPolicy,
      status: 'created',
      // The last run's supervisor is gone; until the next one records itself, the
      // record is one being started, not one whose supervisor died.
      preparedAt: new Date().toISOString(),
      supervisor: null,
      exitCode: null,
      signal: null,
      message: null,
      bringBack: null,
    });
  }

  /** Why the instance may make no further model call (its budget is spent), or null. */
  private async checkBudgetLeft(id: string, budget: ModelBudget): Promise<string | null> {
    const { spent } = await loadModelUsage(this.store.paths(id).usageLog);
    if (budget.tokens !== null && spent.tokens >= budget.tokens)
      return `has spent ${spent.tokens} of its ${budget.tokens}-token budget`;
    if (budget.usd !== null && spent.usd >= budget.usd)
      return `has spent $${spent.usd.toFixed(4)} of its $${budget.usd} budget`;
    return null;
  }

  /** Removes an ended instance: sandbox leftovers, state dir and base ref; the branch stays unless asked. */
  async remove(
    ref: string,
    options: { force?: boolean; deleteBranch?: boolean } = {},
  ): Promise<Metadata> {
    let m = await this.store.resolve(ref);
    if (!isEnded(m.status)) {
      if (!options.force) {
        throw new CorralError('INSTANCE_RUNNING', `${m.id} is still ${describeStatus(m.status)}.`, {
          hint: `Stop it first (corral stop ${m.id}) or pass --force.`,
        });
      }
      m = await this.stop(m.id);
    }
    await this.removeLeftoverSandbox(m);
    await git(m.sourceRepo, ['update-ref', '-d', `refs/corral/bases/${m.id}`], {
      allowFailure: true,
    });
    if (options.deleteBranch) {
      await git(m.sourceRepo, ['update-ref', '-d', `refs/heads/${m.branch}`], {
        allowFailure: true,
      });
    }
    // The images built for its approved packages go with it.
    if (m.backend === 'docker') await removeInstanceImages(m.id).catch(() => undefined);
    await this.store.remove(m.id);
    return m;
  }

  baseTip(m: Metadata): string {
    return getBaseTip(m.base);
  }

  /**
   * Edits an instance's egress policy; a running sandbox applies it at once (docker: its
   * gateway reloads the file; local: the supervisor tells sandbox-runtime's proxy). A
   * preset's name (`npm`) stands for its hosts.
   */
  async editPolicy(
    ref: string,
    change: 'allow' | 'deny',
    hosts: string[],
  ): Promise<{ metadata: Metadata; policy: EgressPolicy }> {
    const m = await this.store.resolve(ref);
    // A local sandbox always runs behind sandbox-runtime's proxy; a docker one without a
    // way out has no gateway to tell.
    if (change === 'allow' && m.network === 'none' && m.backend === 'docker') {
      throw new CorralError('USAGE', `${m.id} has no network at all, so no host can be allowed.`, {
        hint: 'Start a new instance with --allow <preset> or --allow-host <host>; only those get a way out.',
      });
    }
    const file = this.store.paths(m.id).policyFile;
    await mkdir(dirname(file), { recursive: true });
    let policy = await loadEgressPolicy(file);
    for (const host of expandAllowEntries(hosts))
      policy = change === 'allow' ? await allowHost(file, host) : await denyHost(file, host);
    return { metadata: m, policy };
  }

  /**
   * What agents asked for: the requests of one instance (`ref`) or of all, oldest first;
   * only those waiting for an answer unless `all`.
   */
  async listRequests(options: { ref?: string; all?: boolean } = {}): Promise<InstanceRequests> {
    const ids = options.ref
      ? [(await this.store.resolve(options.ref)).id]
      : await this.store.listIds();
    const out: InstanceRequests = { requests: [], skipped: 0 };
    for (const id of ids) {
      const found = await loadInstanceRequests(id, this.store.paths(id));
      out.skipped += found.skipped;
      out.requests.push(...found.requests.filter((r) => options.all || r.status === 'pending'));
    }
    out.requests.sort((a, b) => a.ts.localeCompare(b.ts));
    return out;
  }

  /** Grants request `n` of an instance (a host at once; a package: new image, then resume). */
  approveRequest(ref: string, n: number, options: ApproveOptions = {}): Promise<AnswerOutcome> {
    return approveRequest(this, ref, n, options);
  }

  /** Refuses request `n` of an instance, with a reason the agent can read. */
  rejectRequest(ref: string, n: number, reason: string | null): Promise<AnswerOutcome> {
    return rejectRequest(this, ref, n, reason);
  }

  /**
   * An instance's policy and what it tried: the hosts it may reach and the connections it
   * made (its gateway's egress.log); the model calls its CLI may make, what it spent and
   * the calls the model gateway refused (usage.log).
   */
  async loadPolicy(ref: string): Promise<{
    metadata: Metadata;
    policy: EgressPolicy;
    tried: EgressAttempts[];
    modelCalls: string[];
    modelUsage: ModelUsage;
  }> {
    const m = await this.store.resolve(ref);
    const paths = this.store.paths(m.id);
    return {
      metadata: m,
      policy: await loadEgressPolicy(paths.policyFile),
      tried: await loadEgressAttempts(paths.egressLog),
      modelCalls: getAgentApis(getAgent(m.agent)).flatMap((api) => listBuiltInCalls(api)),
      modelUsage: await loadModelUsage(paths.usageLog),
    };
  }
}

/** Refuses an `--allow-host` entry the policy would not accept, before anything is made. */
function checkHosts(hosts: string[]): string[] {
  for (const host of hosts) {
    const parsed = parseHostPattern(host);
    if ('error' in parsed) {
      throw new CorralError('USAGE', `--allow-host '${host}': ${parsed.error}.`, {
        hint: 'Use a name, *.domain, or host:port.',
      });
    }
  }
  return hosts;
}

/** What each kind of agent needs on the command line. */
function checkAgentRequest(agent: AgentAdapter, request: RunRequest): void {
  if (agent.name === 'shell') {
    if (request.prompt !== undefined) {
      throw new CorralError(
        'USAGE',
        '-p gives a task to an agent; the shell agent runs the command after --.',
        {
          hint: 'Pick an agent with --agent claude|codex|gemini|fake, or drop -p.',
        },
      );
    }
    if (request.command.length === 0) {
      throw new CorralError('USAGE', 'No command given.', {
        hint: "Put it after --: corral run -- sh -c 'npm test'",
      });
    }
    return;
  }
  if (request.prompt === undefined && !request.interactive) {
    throw new CorralError(
      'USAGE',
      `The ${agent.name} agent needs a task (-p "…") or a terminal (-i).`,
      {
        hint: `corral run --agent ${agent.name} -p "fix the failing test"`,
      },
    );
  }
}

/** Reads --context files, each with a heading naming it, into one text. */
async function readContextFiles(paths: string[]): Promise<string | null> {
  if (paths.length === 0) return null;
  const parts: string[] = [];
  for (const path of paths) {
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CorralError(
        'USAGE',
        `--context ${path} cannot be read (${error.code ?? error.message}).`,
        {
          hint: 'Check the path.',
        },
      );
    });
    parts.push(`<!-- from ${basename(path)} -->\n${text.trimEnd()}\n`);
  }
  return parts.join('\n');
}
