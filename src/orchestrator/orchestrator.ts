/**
 * The orchestrator: what the CLI asks for, in domain terms. It creates instances, runs
 * them in the foreground or hands them to a detached supervisor process, stops, resumes,
 * removes and garbage-collects them. Backends and the instance store come in through the
 * constructor (composition root: src/app.ts); nothing here is module-level state.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
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
import {
  diffBranch,
  getBaseTip,
  git,
  liveDiffCommand,
  loadSourceRepo,
  parseNumstat,
  type FileStat,
} from '../workspace/index.js';
import { collectGarbage, type GcReport } from './gc.js';
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
import { getRunAdditions, getSandboxSpec } from './sandbox-spec.js';
import { createInstance } from './create-instance.js';
import { EarlySandboxes } from './early-sandboxes.js';
import { loadEgressAttempts, type EgressAttempts } from './egress-attempts.js';
import { getAgentApis } from './fence-launch.js';
import { InstanceQueries } from './instance-queries.js';
import { InstanceStore, type InstanceStoreHooks } from './instance-store.js';
import type { IndexHandle } from '../store/index.js';
import { checkModelPolicy } from './model-policy-check.js';
import { loadModelUsage, type ModelUsage } from './model-usage.js';
import { loadPriceTable } from './price-table.js';
import { rememberRepo } from './repo-registry.js';
import { pickSetupEnv } from './run/setup-env.js';
import { superviseInstance, type SuperviseIO, type SuperviseOptions } from './supervise.js';
import {
  approveRequest,
  loadInstanceRequests,
  rejectRequest,
  type AnswerOutcome,
  type ApproveOptions,
  type InstanceRequests,
} from './requests/index.js';

/** An instance's work against its base, as `corral diff` shows it. */
/** What `diff` shows: against the base, or (`since: 'turn'`) what the latest run changed. */
export interface DiffOptions {
  stat: boolean;
  color: boolean;
  since?: 'base' | 'turn';
}

export interface DiffResult {
  id: string;
  status: string;
  base: string;
  branch: string;
  files: FileStat[];
  patch: string;
}

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
  /**
   * Run in the sandbox before the agent starts, on every start (`--setup`), reaching
   * `allowHosts` besides the policy (`--setup-allow-host`); the agent never reaches them.
   * `env` names variables of the request's environment that the setup alone gets
   * (`--setup-env`): their values travel with each request, never into the record.
   */
  setup?: { command: string; allowHosts: string[]; env?: string[] };
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
  /**
   * The workspace holds the base and its ancestry only, no other ref or object of the
   * source repository (a battle's contestants: nothing to copy from).
   */
  baseHistoryOnly?: boolean;
}

/**
 * Where runs are supervised in the background: the engine's run host, which starts and
 * stops them in its own process. Without one (a command run with the engine inline) a run
 * cannot be left running in the background.
 */
export interface RunControl {
  /** Supervises a created or prepared instance in the background. */
  start(id: string, env: NodeJS.ProcessEnv): void;
  /** Stops a run supervised here and resolves with its final record; undefined when not here. */
  stop(id: string): Promise<Metadata> | undefined;
}

export interface OrchestratorDeps {
  home: string;
  backends: BackendRegistry;
  /** The engine's background runs; absent when the engine runs inside one command. */
  runs?: RunControl;
  log: (line: string) => void;
  /** The instance index (opened on first use). */
  index: IndexHandle;
  /** What keeps the index current when records are written or removed. */
  storeHooks?: InstanceStoreHooks;
}

export class Orchestrator {
  readonly store: InstanceStore;
  readonly #early = new EarlySandboxes();
  /** Instances being made now (their checkouts running). */
  #creating = 0;
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

  /**
   * Validates everything and provisions the instance; nothing runs yet. `env` holds what
   * the agent's credentials and endpoints come from (the asking user's, never the engine's).
   */
  /**
   * Creates an instance. `detached`: its run starts in the background at once, so the first
   * record already says so: an engine killed before the run got going takes it up then.
   */
  async create(
    request: RunRequest,
    env: NodeJS.ProcessEnv,
    options: { detached?: boolean } = {},
  ): Promise<Metadata> {
    const agent = getAgent(request.agent);
    checkAgentRequest(agent, request);
    // Fail on a missing credential before anything is made.
    pickCredentials(agent, env);
    const modelPolicy = request.modelPolicy ?? openModelPolicy;
    checkModelPolicy(agent, modelPolicy, await loadPriceTable(this.home), this.home);
    const context = await readContextFiles(request.contextFiles ?? []);
    const backend = await chooseBackend(this.deps.backends, request.backend);
    const needsAgentImage = agent.binary !== null && agent.name !== 'fake';
    const repo = await loadSourceRepo(request.repoDir);
    let image: string | null = null;
    if (backend.images) {
      image = await backend.images.resolve({
        repoRoot: repo.root,
        purpose: needsAgentImage ? 'agent' : 'command',
        requested: request.image,
        onProgress: (line) => this.deps.log(`  ${line}`),
      });
    }
    const allowHosts = checkHosts([
      ...new Set([
        ...expandAllowPresets(request.allowPresets ?? []),
        ...(request.allowHosts ?? []),
      ]),
    ]);
    const setupHosts = checkHosts([...new Set(request.setup?.allowHosts ?? [])]);
    const setupEnv = [...new Set(request.setup?.env ?? [])];
    pickSetupEnv(setupEnv, env);
    // A way out for an agent's model API, or for the hosts a command or its setup is
    // allowed; on docker that way is always the gateway.
    const network =
      agent.needsNetwork || allowHosts.length > 0 || setupHosts.length > 0 ? 'open' : 'none';
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
    // Without network the sandbox's spec is known before the checkout: started beside it,
    // when this is the only instance being made. The overlap pays only on a machine with
    // room to spare: with others checking out, the start slows their checkouts as much as
    // it gains (20 made at once returned a third later).
    const startEarly =
      backend.startsDuringCheckout === true && network === 'none' && this.#creating === 0;
    let early: string | undefined;
    this.#creating++;
    const metadata = await createInstance(this.store, {
      repo,
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
      detached: options.detached ?? false,
      baseHistoryOnly: request.baseHistoryOnly ?? false,
      setup: request.setup
        ? { command: request.setup.command, allowHosts: setupHosts, env: setupEnv, leftOut: [] }
        : null,
      ...(startEarly
        ? {
            onCheckout: (m: Metadata, workspaceReady: Promise<unknown>) => {
              early = m.id;
              const spec = getSandboxSpec(
                m,
                { home: this.home, workspace: this.store.paths(m.id).workspace },
                getRunAdditions(m, {
                  baseHosts: [],
                  policyHosts: allowHosts,
                  fence: undefined,
                  env,
                }),
              );
              this.#early.begin(backend, spec, workspaceReady);
            },
          }
        : {}),
    })
      .catch(async (error: unknown) => {
        if (early) await this.#early.discard(early);
        throw error;
      })
      .finally(() => this.#creating--);
    await rememberRepo(this.home, metadata.sourceRepo);
    return metadata;
  }

  /** Runs an instance in this process until it ends. */
  async supervise(
    id: string,
    io: SuperviseIO,
    cancel?: AbortSignal,
    options: Pick<SuperviseOptions, 'adopt' | 'onBus' | 'onOutput' | 'onFinal' | 'openTerminal'> & {
      env?: NodeJS.ProcessEnv;
    } = {},
  ): Promise<Metadata> {
    const m = await this.store.load(id);
    // A run taken up afresh starts its own sandbox (and ends what is left of the last).
    if (options.adopt) await this.#early.discard(id);
    return superviseInstance({
      ...options,
      ...(options.adopt ? {} : { early: this.#early }),
      store: this.store,
      backend: this.backend(m.backend),
      id,
      io,
      cancel,
      env: options.env ?? {},
      log: this.deps.log,
    });
  }

  /** Hands the instance to the engine's background runs and returns at once. */
  detach(id: string, env: NodeJS.ProcessEnv): void {
    if (!this.deps.runs) {
      throw new CorralError(
        'USAGE',
        'With the engine inline (CORRAL_ENGINE=inline) nothing can run in the background.',
        { hint: 'Run it in the foreground (without -d), or let corral start its engine.' },
      );
    }
    this.deps.runs.start(id, env);
  }

  /** Stops a running instance gracefully (its work is kept) and waits until it has ended. */
  async stop(ref: string, options: { timeoutMs?: number } = {}): Promise<Metadata> {
    let m = await this.store.resolve(ref);
    const hosted = this.deps.runs?.stop(m.id);
    if (hosted) return hosted;
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
      env: NodeJS.ProcessEnv;
      /** A new budget (each limit given replaces the recorded one). */
      budget?: Partial<ModelBudget>;
    },
  ): Promise<Metadata> {
    const m = await this.store.resolve(ref);
    const agent = getAgent(m.agent);
    pickCredentials(agent, options.env);
    pickSetupEnv(m.setup?.env ?? [], options.env);
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
    await backend.prepare(
      getSandboxSpec(m, { home: this.home, workspace: this.store.paths(m.id).workspace }),
    );
    // This turn starts from what the branch holds now (the run before brought it back).
    const tip = await git(m.sourceRepo, ['rev-parse', '--verify', '-q', `refs/heads/${m.branch}`], {
      allowFailure: true,
    });
    return this.store.update(m.id, {
      turnBase: tip.stdout.trim() || null,
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
    await this.backend(m.backend)
      .images?.removeForInstance(m.id)
      .catch(() => undefined);
    await this.store.remove(m.id);
    return m;
  }

  baseTip(m: Metadata): string {
    return getBaseTip(m.base);
  }

  /**
   * An instance's work against its base: read from its branch once it ended; while it
   * runs, computed inside its sandbox (the host runs no git in a live workspace).
   */
  async diff(ref: string, options: DiffOptions): Promise<DiffResult> {
    const m = await this.store.resolve(ref);
    // From the base, or from where the latest run started (its turn).
    const baseTip =
      options.since === 'turn' ? (m.turnBase ?? getBaseTip(m.base)) : getBaseTip(m.base);
    let result: { patch: string; files: FileStat[] };
    if (isEnded(m.status)) {
      result = await diffBranch(m.sourceRepo, baseTip, m.branch, options).catch(
        (error: unknown) => {
          throw new CorralError(
            'INSTANCE_NOT_FOUND',
            `Branch ${m.branch} is not in ${m.sourceRepo}.`,
            { hint: 'It may have been deleted; corral ls shows what remains.', cause: error },
          );
        },
      );
    } else {
      const sandbox = await this.backend(m.backend).findSandbox(m.id);
      if (!sandbox)
        throw new CorralError('INSTANCE_NOT_RUNNING', `${m.id} has no live sandbox to diff in.`, {
          hint: 'Try again once it has ended.',
        });
      const r = await sandbox.exec(liveDiffCommand(baseTip, options));
      if (r.exitCode !== 0)
        throw new CorralError(
          'IO_ERROR',
          `git diff in the sandbox of ${m.id} failed: ${r.stderr.trim().split('\n').pop() ?? ''}`,
        );
      const cut = r.stdout.indexOf('\0');
      result = { files: parseNumstat(r.stdout.slice(0, cut)), patch: r.stdout.slice(cut + 1) };
    }
    return { id: m.id, status: m.status, base: baseTip, branch: m.branch, ...result };
  }

  /** Removes leftovers nothing references (sandboxes, images, state dirs, refs). */
  collectGarbage(options: { dryRun: boolean }): Promise<GcReport> {
    return collectGarbage(this.store, this.deps.backends.all(), options);
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
    // A sandbox behind a host proxy always has one to tell; one whose way out would be a
    // sidecar has none without network.
    if (
      change === 'allow' &&
      m.network === 'none' &&
      this.backend(m.backend).egress.kind === 'sidecar'
    ) {
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
