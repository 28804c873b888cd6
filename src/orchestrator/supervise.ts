/**
 * Supervises one run of an instance, from sandbox start to the branch in the source
 * repository: starts the sandbox, launches what the agent adapter asks for, streams its
 * output (redacted) to `output.log`, the terminal and the event log (with what a fenced
 * instance's gateway logged: connections, metered model calls, refused ones), enforces the
 * timeout, turns a cancel into a graceful stop, ends the run when the gateway refuses a
 * model call because the instance's budget is spent (`budget-exceeded`), brings the work
 * back, releases the sandbox and writes the final record (whoever waits for the end is
 * told then, `onFinal`; a sandbox whose stop only frees it is released after). Whatever happens to the agent, bring-back is
 * attempted; when it fails the workspace is kept so nothing is lost. A sandbox started
 * beside the instance's checkout is taken over when it is the one this run's spec asks
 * for (early-sandboxes.ts).
 *
 * A headless run is launched detached (`Sandbox.launch`): the command writes its streams
 * to files in the workspace's `.git/corral-io/<tag>/`, which are tailed here, and commits
 * and bundles its work itself when it ends. Nothing of it depends on this process, so a
 * supervisor that dies loses nothing: `adopt` (a restarted engine) finds the run again by
 * its record and cursor, cuts output.log and events.ndjson back to what the cursor saw,
 * replays the parser to where it was and goes on, so no event is lost or written twice. A
 * terminal session (`-i`) is wired to a terminal instead (this process's, or one its engine
 * hosts for people to attach to) and ends with this process.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { getAgent, type OutputParser } from '../agents/index.js';
import { hostsToAllow } from '../agents/host-env.js';
import { loadEgressPolicy, watchEgressPolicy, type PolicyWatcher } from '../gateway/policy.js';
import type {
  Backend,
  DetachedProcess,
  ProcessExit,
  Sandbox,
  SandboxProcess,
} from '../backends/backend.js';
import type { TerminalPort } from '../backends/terminal-port.js';
import {
  EventBus,
  LineSplitter,
  readEventsAfter,
  type CorralEvent,
  type NewEvent,
} from '../events/index.js';
import { CorralError, isCorralError } from '../lib/errors.js';
import { Redactor } from '../lib/redactor.js';
import { sanitizeStrings, sanitizeTerminalText } from '../lib/terminal-text.js';
import { trace } from '../lib/trace.js';
import {
  getCurrentSupervisor,
  type InstancePaths,
  type InstanceStatus,
  type Metadata,
} from '../state/index.js';
import { launchFiles, withBringBack } from '../workspace/index.js';
import { IoWatch } from './run/io-watch.js';
import { openAgentAccess, prepareLaunch, type OpenedAgentAccess } from './agent-launch.js';
import { stopHostGatewayProcess } from './host-gateway-process.js';
import type { EarlySandboxes } from './early-sandboxes.js';
import { getRunAdditions, getSandboxSpec } from './sandbox-spec.js';
import { bringBackOptions, bringBackSafely } from './bring-back-step.js';
import { followGatewayLogs, type GatewayLogFollower } from './gateway-log-follower.js';
import type { InstanceStore } from './instance-store.js';
import { findMissingCommand } from './missing-command.js';
import { OutputPipeline } from './output-pipeline.js';
import { AppendLog } from './run/append-log.js';
import { runSetup } from './run/run-setup.js';
import { pickSetupEnv } from './run/setup-env.js';
import { existsUnderNoFollow, IoTail, openUnderNoFollow } from './run/io-tail.js';
import { loadRunCursor, saveRunCursor, type RunCursor } from './run/run-cursor.js';
import { SummaryCollector } from './run-summary.js';
import { discardWorkspace } from './trash.js';
import { followRequestEvents } from './requests/index.js';

export interface SuperviseIO {
  /** Live echo of the raw output (the shell agent); null when detached or rendering events. */
  stdout: Writable | null;
  stderr: Writable | null;
  /** Forward this stream to the command's stdin (a terminal session only). */
  stdin: NodeJS.ReadableStream | null;
  /** Every event as it is written, for live rendering. */
  onEvent?: (event: CorralEvent) => void;
}

/** How often a watched launch directory is read anyway (IoWatch is a hint, not a promise). */
const watchedPollMs = 1000;
/** The least time between two reads of a launch's files that a write asked for. */
const minReadGapMs = 10;

export interface SuperviseOptions {
  store: InstanceStore;
  backend: Backend;
  id: string;
  io: SuperviseIO;
  /** The environment the agent's credentials and endpoints come from (never this process's own). */
  env: NodeJS.ProcessEnv;
  /** Aborting it stops the command gracefully; the instance ends `canceled`. */
  cancel?: AbortSignal;
  /** Go on with a run another supervisor started (it died): see the file header. */
  adopt?: boolean;
  /** Grace between SIGTERM and SIGKILL when stopping. */
  stopGraceMs?: number;
  /** How often the run's files are read when nothing wakes the reader earlier. */
  pollMs?: number;
  /** Progress lines for people (stderr). */
  log?: (line: string) => void;
  /** The run's event bus, once open (an engine serves its events live). */
  onBus?: (bus: EventBus) => void;
  /**
   * The run's record is final (its work home, its end said); what is left is releasing
   * its sandbox, which whoever waits for the end need not wait for.
   */
  onFinal?: (final: Metadata) => void;
  /** A headless run's output as it goes to output.log (redacted), with its offset there. */
  onOutput?: (chunk: OutputChunk) => void;
  /**
   * The terminal a terminal session is wired to, made when it starts (an engine hosts it
   * for people to attach to); absent: this process's own terminal.
   */
  openTerminal?: () => TerminalPort;
  /** Sandboxes started beside their checkout: this run's may be among them. */
  early?: EarlySandboxes;
}

export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  bytes: Buffer;
  /** Where it starts in output.log. */
  offset: number;
}

/** Why the supervisor ended a run the command had not ended itself. */
type StopReason = 'timeout' | 'cancel' | 'budget';

const stopping: Record<StopReason, string> = {
  timeout: 'timed out, stopping…',
  cancel: 'stopping…',
  budget: 'its model budget is spent, stopping…',
};

export async function superviseInstance(options: SuperviseOptions): Promise<Metadata> {
  const run = await InstanceRun.open(options);
  return run.run();
}

/** One run, from start (or adoption) to its final record. */
class InstanceRun {
  #metadata: Metadata;
  #redactor = new Redactor([]);
  /** Aborted when the run is asked to stop: ends what runs before the agent (the setup). */
  #stopAsked = new AbortController();
  readonly #summary = new SummaryCollector();
  #sessionId: string | null;
  #missingCommand: string | null = null;
  /** What the gateway said when it refused a call for the spent budget; once set, the run ends. */
  #budgetSpent: string | null = null;
  /** The command's process was found gone without having said it ended (killed from outside). */
  #vanished = false;
  #stop: StopReason | null = null;
  #wake: () => void = () => undefined;
  /** How far this run got: saved (with the files' sizes) at every step worth going on from. */
  #cursor: RunCursor | null;
  #output: AppendLog | undefined;
  #gatewayLogs: GatewayLogFollower | undefined;

  private constructor(
    private readonly o: SuperviseOptions,
    metadata: Metadata,
    private readonly paths: InstancePaths,
    private readonly bus: EventBus,
    private readonly cursor: RunCursor | null,
  ) {
    this.#metadata = metadata;
    this.#sessionId = metadata.agentSessionId;
    this.#cursor = cursor;
  }

  static async open(o: SuperviseOptions): Promise<InstanceRun> {
    const paths = o.store.paths(o.id);
    const metadata = await o.store.load(o.id);
    const cursor = o.adopt ? await loadRunCursor(paths.runCursor) : null;
    const adoptable = cursor && metadata.run?.tag === cursor.tag;
    // A run that got its command going goes on from its last checkpoint; one that did not
    // starts over, so what its first attempt said (instance.started) is cut with it. One
    // whose work came back keeps the end and the bring-back (said once, before the record
    // said finishing), and only what its cleanup said goes.
    const truncateTo =
      metadata.run?.phase === 'finishing'
        ? cursor?.finishing
          ? cursor.events
          : undefined
        : metadata.run?.process
          ? cursor?.events
          : (cursor?.begin ?? cursor?.events);
    const bus = await EventBus.open(paths.events, o.id, {
      ...(adoptable && truncateTo !== undefined ? { truncateTo } : {}),
    });
    const run = new InstanceRun(o, metadata, paths, bus, adoptable ? cursor : null);
    bus.setTransform((line) => run.#redactor.redact(line));
    o.onBus?.(bus);
    if (o.adopt) {
      // What the events already say: the summary so far, the session, a missing command.
      for (const event of await readEventsAfter(paths.events, o.id, 0)) run.#observe(event);
    }
    return run;
  }

  get #id(): string {
    return this.o.id;
  }

  #log(line: string): void {
    this.o.log?.(`${this.#id}: ${line}`);
  }

  #observe(event: CorralEvent): void {
    this.#summary.add(event);
    if (event.type === 'agent.session') this.#sessionId = event.sessionId;
    if (event.type === 'raw' && event.stream === 'stderr')
      this.#missingCommand = findMissingCommand(event.line) ?? this.#missingCommand;
    if (
      event.type === 'gateway.denied' &&
      event.reason === 'budget' &&
      this.#budgetSpent === null
    ) {
      this.#budgetSpent = event.message;
      this.requestStop('budget');
    }
  }

  #push = (event: NewEvent): CorralEvent => {
    const full = this.bus.push(event);
    this.#observe(full);
    this.o.io.onEvent?.(full);
    return full;
  };

  async #update(change: Partial<Metadata>): Promise<Metadata> {
    this.#metadata = await this.o.store.update(this.#id, change);
    return this.#metadata;
  }

  /**
   * Saves how far the run got: the streams read, and output.log and events.ndjson as they
   * are once everything so far is written. A restarted supervisor cuts them back to this.
   */
  async #checkpoint(
    streams?: { stdout: number; stderr: number },
    finishing = false,
  ): Promise<void> {
    if (!this.#cursor) return;
    const outputLog = this.#output ? await this.#output.settle() : this.#cursor.outputLog;
    await this.bus.flush();
    const gateway = this.#gatewayLogs?.offsets();
    this.#cursor = {
      ...this.#cursor,
      ...(streams ?? {}),
      outputLog,
      events: this.bus.bytes,
      ...(gateway ?? {}),
      ...(finishing ? { finishing } : {}),
    };
    await saveRunCursor(this.paths.runCursor, this.#cursor);
  }

  /** Asks the run to stop (as `cancel` does); safe to call more than once. */
  requestStop(reason: StopReason): void {
    if (this.#stop) return;
    this.#stop = reason;
    this.#stopAsked.abort();
    this.#log(stopping[reason]);
    this.#wake();
  }

  async run(): Promise<Metadata> {
    const started = Date.parse(this.#metadata.startedAt ?? '') || Date.now();
    const onCancel = () => this.requestStop('cancel');
    if (this.o.cancel?.aborted) onCancel();
    this.o.cancel?.addEventListener('abort', onCancel, { once: true });
    try {
      if (this.#metadata.interactive) return await this.#runInTerminal(started);
      return await this.#runDetached(started);
    } finally {
      this.o.cancel?.removeEventListener('abort', onCancel);
    }
  }

  // ── A headless run: launched detached, its files tailed ─────────────────────────────

  async #runDetached(started: number): Promise<Metadata> {
    const m = this.#metadata;
    const adopting = Boolean(this.o.adopt && m.run);
    let sandbox: Sandbox | undefined;
    let opened: OpenedAgentAccess | undefined;
    let proc: DetachedProcess | undefined;
    let startError: unknown;
    let exit: ProcessExit = { exitCode: null, signal: null };
    let tag = adopting && m.run ? m.run.tag : randomBytes(6).toString('hex');
    this.#stop = m.run?.stop ?? this.#stop;
    const adapter = getAgent(m.agent);

    if (adopting && m.run?.phase === 'finishing') {
      // The work came back already; only the cleanup is left. Marked first (a supervisor
      // killed after recording the phase and before its checkpoint left none): the end
      // said next is then cut back if this one dies too, never said twice.
      await this.#checkpoint(undefined, true);
      sandbox = await this.o.backend.findSandbox(this.#id);
      return this.#finish(started, sandbox, undefined, {
        exit: { exitCode: m.exitCode, signal: m.signal },
        bringBack: m.bringBack ?? { commit: null, committedLeftovers: false, error: null },
        startError: undefined,
      });
    }

    await this.#update({
      status: 'running',
      startedAt: m.startedAt && adopting ? m.startedAt : new Date().toISOString(),
      endedAt: null,
      supervisor: getCurrentSupervisor(),
      message: null,
      run: {
        tag,
        phase: m.run?.phase && adopting ? m.run.phase : 'starting',
        process: adopting ? (m.run?.process ?? null) : null,
        deadlineAt:
          adopting && m.run
            ? m.run.deadlineAt
            : m.timeoutMs
              ? new Date(Date.now() + m.timeoutMs).toISOString()
              : null,
        stop: this.#stop,
        gateway: adopting ? (m.run?.gateway ?? null) : null,
        baseHosts: adopting ? (m.run?.baseHosts ?? []) : [],
      },
    });

    const output = await AppendLog.open(this.paths.output, this.#cursor?.outputLog);
    this.#output = output;
    if (!this.#cursor) {
      // Where this run begins: a supervisor that dies before the command runs starts over here.
      this.#cursor = {
        tag,
        stdout: 0,
        stderr: 0,
        outputLog: output.size,
        events: this.bus.bytes,
        begin: this.bus.bytes,
        egressLog: await sizeOf(this.paths.egressLog),
        usageLog: await sizeOf(this.paths.usageLog),
      };
      await saveRunCursor(this.paths.runCursor, this.#cursor);
    }
    const requestEvents = followRequestEvents({
      paths: this.paths,
      push: (event) => this.#push({ id: this.#id, ...event }),
      onError: (message) => this.#log(message),
    });
    let policyWatcher: PolicyWatcher | undefined;
    let ran = false;
    // Ended (failed, stopped) while the setup ran: no agent ran, the branch stays at the base.
    let preparing = false;
    try {
      if (adopting && this.#metadata.run?.process) {
        sandbox = await this.o.backend.findSandbox(this.#id);
        if (!sandbox) return await this.#lost(started, 'its sandbox is gone');
        proc = sandbox.reattach(this.#metadata.run.process);
        ran = true;
      } else {
        if (adopting) {
          // It died while starting: nothing ran yet (what may have begun is ended), so start
          // afresh, under a new tag so that nothing of that attempt is read as this one's.
          const leftover = await this.o.backend.findSandbox(this.#id);
          await leftover?.stop().catch(() => undefined);
          // Also one made but never started (a container created, then the kill).
          for (const s of await this.o.backend.listSandboxes()) {
            if (s.instanceId === this.#id)
              await this.o.backend.removeSandbox(s.id).catch(() => undefined);
          }
          // And the host's model gateway it had started (a local agent's).
          const gateway = this.#metadata.run?.gateway;
          if (gateway) await stopHostGatewayProcess(gateway);
          tag = randomBytes(6).toString('hex');
          await this.#update({
            run: { ...this.#metadata.run!, tag, process: null, gateway: null },
          });
          if (this.#cursor) {
            this.#cursor = { ...this.#cursor, tag, events: this.bus.bytes };
            await saveRunCursor(this.paths.runCursor, this.#cursor);
          }
        }
        opened = await openAgentAccess(adapter, this.#metadata, this.paths, this.o.backend, {
          env: this.o.env,
          home: this.o.store.home,
        });
        // Recorded at once: an engine that dies from here on leaves it to the next to end.
        if (opened.gateway)
          await this.#update({ run: { ...this.#metadata.run!, gateway: opened.gateway } });
        this.#redactor = new Redactor(opened.access.secrets);
        sandbox = await this.#startSandbox(opened);
        if (this.#metadata.setup) {
          // Died while it runs: the run is still 'starting', so the next supervisor begins
          // again with a new sandbox, setup included.
          preparing = true;
          await this.#runSetup(sandbox, opened);
          preparing = false;
        }
        // instance.started is on disk before the command's launch is recorded: a supervisor
        // that dies in between finds it there when it takes the run up.
        await this.#checkpoint();
        const prepared = await prepareLaunch(
          adapter,
          this.#metadata,
          this.paths,
          sandbox,
          opened.access,
        );
        const wrapped = withBringBack(prepared.launch.argv, {
          ...bringBackOptions(this.#metadata, sandbox),
          launchTag: tag,
        });
        proc = await sandbox.launch({
          argv: wrapped.argv,
          env: { ...prepared.env, ...wrapped.env },
          tag,
        });
        ran = true;
        await this.#update({
          run: { ...this.#metadata.run!, phase: 'running', process: proc.ref },
        });
        trace('command launched');
      }
      this.#gatewayLogs = await followGatewayLogs(this.#id, this.paths, (e) => this.#push(e), {
        from: this.#cursor,
      });
      policyWatcher = await this.#watchPolicy(sandbox, opened);
      exit = await this.#follow(proc, tag, output);
      trace('command ran');
      // The gateway logs a refusal before the agent hears of it: an agent that gave up on
      // a spent budget and exited finds it in the log by now.
      await this.#gatewayLogs.catchUp();
      this.#push({
        id: this.#id,
        type: 'process.exited',
        exitCode: exit.exitCode,
        signal: exit.signal,
      });
    } catch (error) {
      startError = error;
    } finally {
      await policyWatcher?.close();
    }

    const bringBack = await bringBackSafely(
      this.o.store,
      this.#metadata,
      preparing ? undefined : sandbox,
      ran,
      this.bus,
      (line) => this.o.log?.(line),
    );
    trace('bring-back');
    // The work is home: from here on a restarted supervisor only cleans up (and what was
    // said so far, the process's end and the bring-back, is not said again). Said first,
    // then recorded: a supervisor killed in between takes the run up as still running,
    // cuts those events back to its checkpoint and says them again, once.
    await this.#gatewayLogs?.close();
    await this.bus.flush();
    await this.#update({
      exitCode: exit.exitCode,
      signal: exit.signal,
      bringBack: sanitizeStrings(bringBack),
      run: this.#metadata.run ? { ...this.#metadata.run, phase: 'finishing' } : null,
    });
    await this.#checkpoint(undefined, true);
    await requestEvents.close();
    await output.close();
    return this.#finish(started, sandbox, opened, { exit, bringBack, startError });
  }

  /**
   * The hosts the sandbox reaches besides its policy's: its agent's model API. A run taken
   * up after its engine died opened nothing: what the first one allowed is in the record.
   */
  #baseHosts(opened: OpenedAgentAccess | undefined): string[] {
    const m = this.#metadata;
    if (m.network !== 'open') return [];
    return opened
      ? hostsToAllow(getAgent(m.agent), opened.access.endpoints)
      : (m.run?.baseHosts ?? []);
  }

  async #startSandbox(opened: OpenedAgentAccess): Promise<Sandbox> {
    const m = this.#metadata;
    const baseHosts = this.#baseHosts(opened);
    const policy = await loadEgressPolicy(this.paths.policyFile);
    const spec = getSandboxSpec(
      m,
      { home: this.o.store.home, workspace: this.paths.workspace },
      getRunAdditions(m, {
        baseHosts,
        policyHosts: policy.allow,
        fence: opened.access.fence,
        env: this.o.env,
      }),
    );
    // Started beside the checkout (early-sandboxes.ts), when it is the one this spec asks for.
    const sandbox = (await this.o.early?.claim(spec)) ?? (await this.o.backend.start(spec));
    trace('sandbox started');
    // No gateway logs what this sandbox is refused (no network, or sandbox-runtime's proxy).
    if (!opened.access.fence) this.#summary.readOutput([...baseHosts, ...policy.allow]);
    await this.#update({
      sandboxId: sandbox.id,
      enforcedLimits: sandbox.limits ?? null,
      ...(this.#metadata.run ? { run: { ...this.#metadata.run, baseHosts } } : {}),
    });
    this.#push({ id: this.#id, type: 'instance.started', sandboxId: sandbox.id });
    return sandbox;
  }

  /** Prepares the sandbox before its agent (run-setup.ts) within the run's deadline. */
  async #runSetup(sandbox: Sandbox, opened: OpenedAgentAccess): Promise<void> {
    const m = this.#metadata;
    const policy = await loadEgressPolicy(this.paths.policyFile);
    const deadline = m.run?.deadlineAt ? Date.parse(m.run.deadlineAt) : null;
    const timer =
      deadline === null
        ? undefined
        : setTimeout(() => this.requestStop('timeout'), Math.max(0, deadline - Date.now()));
    try {
      const env = this.#setupEnv();
      // Its values are secrets from here on: out of the setup's output and of all the run writes.
      this.#redactor = new Redactor([...opened.access.secrets, ...Object.values(env)]);
      const leftOut = await runSetup({
        id: this.#id,
        sandbox,
        setup: m.setup!,
        env,
        network: m.network,
        agentHosts: [...this.#baseHosts(opened), ...policy.allow],
        push: (event) => this.#push({ id: this.#id, ...event }),
        redact: (text) => this.#redactor.redact(text),
        log: (line) => this.#log(line),
        signal: this.#stopAsked.signal,
      });
      await this.#update({ setup: { ...m.setup!, leftOut } });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The setup's variables (`--setup-env`), from the request's environment. A run taken up
   * by a restarted engine has none: it fails as one missing a credential does (not
   * SETUP_FAILED: the setup never ran, and a battle tries its grading again).
   */
  #setupEnv(): Record<string, string> {
    try {
      return pickSetupEnv(this.#metadata.setup?.env ?? [], this.o.env);
    } catch (error) {
      if (!isCorralError(error)) throw error;
      throw new CorralError(error.code, `The setup cannot run: ${error.message}`, {
        hint: `Run it again from a shell that has it: corral resume ${this.#id}.`,
      });
    }
  }

  async #watchPolicy(
    sandbox: Sandbox,
    opened: OpenedAgentAccess | undefined,
  ): Promise<PolicyWatcher | undefined> {
    if (!sandbox.setAllowedHosts) return undefined;
    const baseHosts = this.#baseHosts(opened);
    return watchEgressPolicy({
      path: this.paths.policyFile,
      onChange: (p) =>
        void sandbox.setAllowedHosts?.([...baseHosts, ...p.allow]).catch(() => undefined),
      onError: (message) => this.#log(message),
    });
  }

  /**
   * Tails the launch's two streams into the output pipeline until the command has ended
   * and its work is bundled (`done`), or its process is gone; enforces the deadline and
   * stops; saves the cursor after each batch. Returns how the command exited.
   */
  async #follow(proc: DetachedProcess, tag: string, output: AppendLog): Promise<ProcessExit> {
    const workspace = this.paths.workspace;
    const dir = ['.git', launchFiles.dir, tag];
    const adapter = getAgent(this.#metadata.agent);
    const parser = adapter.createParser();
    const from = this.#cursor ?? { stdout: 0, stderr: 0 };
    if (from.stdout > 0) {
      // The parser picks up where it was by reading again what it had read.
      await replayParser(parser, new IoTail(workspace, [...dir, launchFiles.stdout]), from.stdout);
    }
    const pipeline = new OutputPipeline({
      id: this.#id,
      log: output,
      events: this.bus,
      redactor: this.#redactor,
      parser,
      echo:
        this.o.io.stdout && this.o.io.stderr
          ? { stdout: this.o.io.stdout, stderr: this.o.io.stderr }
          : null,
      onEvent: (event) => {
        this.#observe(event);
        this.o.io.onEvent?.(event);
      },
      onOutput: (stream, bytes) =>
        this.o.onOutput?.({ stream, bytes, offset: output.size - bytes.length }),
    });
    const tails = {
      stdout: new IoTail(workspace, [...dir, launchFiles.stdout], from.stdout),
      stderr: new IoTail(workspace, [...dir, launchFiles.stderr], from.stderr),
    };
    const checkpoint = () =>
      this.#checkpoint({ stdout: tails.stdout.offset, stderr: tails.stderr.offset });
    const deadline = Date.parse(this.#metadata.run?.deadlineAt ?? '');
    const pollMs = this.o.pollMs ?? 100;
    let signalled: 'TERM' | 'KILL' | null = null;
    let termAt = 0;
    let lastLivenessCheck = 0;
    let gone = false;
    // Something written since the loop last read: read again soon (not sooner than
    // minReadGapMs after the last read: a sandbox writing a byte at a time must not keep
    // the engine reading for it alone).
    let written = false;
    let lastReadAt = 0;
    const watch = new IoWatch(workspace, dir, () => {
      written = true;
      this.#wake();
    });
    try {
      for (;;) {
        written = false;
        lastReadAt = Date.now();
        await watch.ensure();
        const read =
          (await tails.stdout.read((c) => pipeline.stdout(c))) +
          (await tails.stderr.read((c) => pipeline.stderr(c)));
        if (read > 0) await checkpoint();
        const done = await existsUnderNoFollow(workspace, [...dir, launchFiles.done]);
        if (done) break;
        if (gone) {
          this.#vanished = true;
          break;
        }
        if (!Number.isNaN(deadline) && Date.now() >= deadline) this.requestStop('timeout');
        if (this.#stop && signalled === null) {
          await this.#update({ run: { ...this.#metadata.run!, stop: this.#stop } });
          await proc.signal('TERM');
          signalled = 'TERM';
          termAt = Date.now();
        } else if (signalled === 'TERM' && Date.now() - termAt > (this.o.stopGraceMs ?? 5000)) {
          await proc.signal('KILL');
          signalled = 'KILL';
        }
        if (Date.now() - lastLivenessCheck > 1000 || signalled === 'KILL') {
          lastLivenessCheck = Date.now();
          // Read once more after it is found gone: what it wrote last is not lost.
          gone = !(await proc.isRunning().catch(() => true));
          if (gone) continue;
        }
        await new Promise<void>((resolve) => {
          // Watched, a write wakes it: the poll is only a safety net (20 quiet runs polled
          // ten times a second cost the engine a core).
          const gap = () => Math.max(0, lastReadAt + minReadGapMs - Date.now());
          let timer = setTimeout(
            resolve,
            written ? gap() : watch.watching ? watchedPollMs : pollMs,
          );
          this.#wake = () => {
            clearTimeout(timer);
            timer = setTimeout(resolve, gap());
          };
        });
      }
    } finally {
      watch.close();
    }
    pipeline.end();
    await checkpoint();
    const code = await readExitCode(workspace, [...dir, launchFiles.exit]);
    if (code === null) return { exitCode: null, signal: signalled ? `SIG${signalled}` : null };
    // A command ended by our SIGTERM reports 143: that is the signal, not its own exit.
    if (signalled && code === 143) return { exitCode: null, signal: 'SIGTERM' };
    return { exitCode: code, signal: null };
  }

  // ── A terminal session: wired to a terminal (this process's, or a hosted one) ──────────

  async #runInTerminal(started: number): Promise<Metadata> {
    const m = this.#metadata;
    const adapter = getAgent(m.agent);
    let sandbox: Sandbox | undefined;
    let opened: OpenedAgentAccess | undefined;
    let exit: ProcessExit = { exitCode: null, signal: null };
    let startError: unknown;
    let ran = false;
    let preparing = false;
    // Open from the start: whoever attaches early sees the session as soon as it prints.
    const terminal = this.o.openTerminal?.();
    await this.#update({
      status: 'running',
      startedAt: new Date().toISOString(),
      endedAt: null,
      supervisor: getCurrentSupervisor(),
      message: null,
      run: null,
    });
    const requestEvents = followRequestEvents({
      paths: this.paths,
      push: (event) => this.#push({ id: this.#id, ...event }),
      onError: (message) => this.#log(message),
    });
    let gatewayLogs: GatewayLogFollower | undefined;
    let policyWatcher: PolicyWatcher | undefined;
    const output = createWriteStream(this.paths.output, { flags: 'a' });
    try {
      opened = await openAgentAccess(adapter, m, this.paths, this.o.backend, {
        env: this.o.env,
        home: this.o.store.home,
      });
      this.#redactor = new Redactor(opened.access.secrets);
      sandbox = await this.#startSandbox(opened);
      if (this.#metadata.setup) {
        preparing = true;
        await this.#runSetup(sandbox, opened);
        preparing = false;
      }
      if (opened.access.fence || opened.access.hostGateway) {
        gatewayLogs = await followGatewayLogs(this.#id, this.paths, (e) => this.#push(e));
      }
      const prepared = await prepareLaunch(
        adapter,
        this.#metadata,
        this.paths,
        sandbox,
        opened.access,
      );
      const wrapped = withBringBack(
        prepared.launch.argv,
        bringBackOptions(this.#metadata, sandbox),
      );
      const proc: SandboxProcess = await sandbox.spawn({
        argv: wrapped.argv,
        env: { ...prepared.env, ...wrapped.env },
        stdio: 'terminal',
        ...(terminal ? { terminal } : {}),
      });
      ran = true;
      policyWatcher = await this.#watchPolicy(sandbox, opened);
      const pipeline = new OutputPipeline({
        id: this.#id,
        log: output,
        events: this.bus,
        redactor: this.#redactor,
        parser: null,
        echo: null,
        onEvent: (event) => {
          this.#observe(event);
          this.o.io.onEvent?.(event);
        },
      });
      const drained = pump(proc.stdout, (c) => pipeline.stdout(c));
      const drainedErr = pump(proc.stderr, (c) => pipeline.stderr(c));
      proc.stdin?.end();
      const timer = m.timeoutMs
        ? setTimeout(() => this.requestStop('timeout'), m.timeoutMs)
        : undefined;
      this.#wake = () => void proc.terminate(this.o.stopGraceMs ?? 5000);
      if (this.#stop) this.#wake();
      try {
        exit = await proc.wait();
        await Promise.all([drained, drainedErr]);
        pipeline.end();
        await gatewayLogs?.catchUp();
      } finally {
        if (timer) clearTimeout(timer);
      }
      this.#push({
        id: this.#id,
        type: 'process.exited',
        exitCode: exit.exitCode,
        signal: exit.signal,
      });
    } catch (error) {
      startError = error;
    }
    await policyWatcher?.close();
    const bringBack = await bringBackSafely(
      this.o.store,
      this.#metadata,
      preparing ? undefined : sandbox,
      ran,
      this.bus,
      (line) => this.o.log?.(line),
    );
    await gatewayLogs?.close();
    await requestEvents.close();
    output.end();
    await finished(output).catch(() => undefined);
    return this.#finish(started, sandbox, opened, { exit, bringBack, startError });
  }

  // ── The end ─────────────────────────────────────────────────────────────────────────

  async #finish(
    started: number,
    sandbox: Sandbox | undefined,
    opened: OpenedAgentAccess | undefined,
    end: {
      exit: ProcessExit;
      bringBack: NonNullable<Metadata['bringBack']>;
      startError: unknown;
    },
  ): Promise<Metadata> {
    const { exit, bringBack, startError } = end;
    // A sandbox whose stop splits in two settles now and is freed after the record is final
    // (off the path of whoever waits for the end); any other stops first: its stop leaves
    // what is read after (a local workspace handed back to its owner).
    const stopLater = sandbox?.settle !== undefined;
    if (stopLater) await sandbox?.settle?.().catch(() => undefined);
    else await sandbox?.stop().catch(() => undefined);
    await opened?.close();
    // A run taken up after its engine died: the gateway the first one started.
    const gateway = this.#metadata.run?.gateway;
    if (gateway) await stopHostGatewayProcess(gateway);
    if (!stopLater) trace('sandbox stopped');
    const status = decideStatus(exit, this.#stop, startError, bringBack.error);
    let workspaceRemoved = false;
    // Re-read: `corral approve` of a package asks to keep the workspace of a running instance.
    const keep =
      this.#metadata.keep ||
      (await this.o.store.load(this.#id).then(
        (m) => m.keep,
        () => false,
      ));
    if (!keep && bringBack.error === null) {
      await discardWorkspace(this.o.store.home, this.#id, this.paths.workspace);
      workspaceRemoved = true;
    }
    trace('workspace removed');
    const durationMs = Date.now() - started;
    // Said before the record is final: a supervisor that dies in between says it again
    // (the log is cut back to the last checkpoint), never twice.
    this.#push({
      id: this.#id,
      type: 'instance.ended',
      status,
      exitCode: exit.exitCode,
      durationMs,
    });
    await this.bus.flush();
    const final = await this.#update({
      status,
      exitCode: exit.exitCode,
      signal: exit.signal,
      endedAt: new Date().toISOString(),
      durationMs,
      supervisor: null,
      run: null,
      workspaceRemoved,
      // What came from the sandbox (git's stderr, a start error) is made terminal-safe.
      bringBack: sanitizeStrings(bringBack),
      agentSessionId: this.#sessionId,
      summary: await this.#summary.finish(this.#metadata, bringBack.commit),
      message:
        sanitizeTerminalText(
          this.#redactor.redact(
            describeEnd(this.#metadata, {
              status,
              exit,
              startError,
              missingCommand: this.#missingCommand,
              bringBackError: bringBack.error,
              workspace: this.paths.workspace,
              budgetSpent: this.#budgetSpent,
              vanished: this.#vanished,
            }) ?? '',
          ),
        ) || null,
      failure:
        startError && isCorralError(startError)
          ? { code: startError.code, hint: startError.hint ?? null }
          : null,
    });
    this.o.onFinal?.(final);
    if (stopLater) {
      // The work is on the branch and the sandbox settled. An engine killed in between
      // leaves the sandbox of an ended instance: `corral gc` removes it.
      await sandbox?.stop().catch(() => undefined);
      trace('sandbox released');
    }
    if (startError && isCorralError(startError)) throw startError;
    return final;
  }

  /** The sandbox vanished while nobody watched: the record says so, the workspace stays. */
  async #lost(started: number, why: string): Promise<Metadata> {
    const final = await this.#update({
      status: 'lost',
      endedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      supervisor: null,
      run: null,
      message: `${why} (it vanished while no supervisor watched); the workspace is kept in ${this.paths.workspace}`,
    });
    this.#push({
      id: this.#id,
      type: 'instance.ended',
      status: 'lost',
      exitCode: null,
      durationMs: final.durationMs ?? 0,
    });
    await this.bus.flush();
    return final;
  }
}

/** Reads the stdout the parser had seen (up to the cursor) through it again, discarding its events. */
async function replayParser(parser: OutputParser, tail: IoTail, bytes: number): Promise<void> {
  const splitter = new LineSplitter((line) => void parser.line(line));
  await tail.read((chunk) => splitter.push(chunk), bytes);
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

async function readExitCode(workspace: string, parts: string[]): Promise<number | null> {
  const handle = await openUnderNoFollow(workspace, parts);
  if (!handle) return null;
  try {
    const buffer = Buffer.alloc(16);
    const { bytesRead } = await handle.read(buffer, 0, 16, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8').trim();
    return /^\d{1,3}$/.test(text) ? Number(text) : null;
  } finally {
    await handle.close();
  }
}

function pump(from: NodeJS.ReadableStream, to: (chunk: Buffer) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    from.on('data', (chunk: Buffer) => to(chunk));
    from.on('end', resolve);
    from.on('close', resolve);
    from.on('error', () => resolve());
  });
}

function decideStatus(
  exit: ProcessExit,
  reason: StopReason | null,
  startError: unknown,
  bringBackError: string | null,
): InstanceStatus {
  if (reason === 'timeout') return 'timed-out';
  if (reason === 'cancel') return 'canceled';
  if (reason === 'budget') return 'budget-exceeded';
  // Never "succeeded" while the branch holds less than the workspace.
  if (startError || bringBackError) return 'failed';
  return exit.exitCode === 0 ? 'succeeded' : 'failed';
}

function describeEnd(
  m: Metadata,
  end: {
    status: InstanceStatus;
    exit: ProcessExit;
    startError: unknown;
    missingCommand: string | null;
    bringBackError: string | null;
    workspace: string;
    budgetSpent: string | null;
    vanished: boolean;
  },
): string | null {
  const { status, exit, startError, bringBackError, workspace, budgetSpent } = end;
  const parts: string[] = [];
  if (startError)
    parts.push(startError instanceof Error ? startError.message : JSON.stringify(startError));
  if (exit.exitCode === 127) {
    const first = m.agent === 'shell' ? m.command[0] : getAgent(m.agent).binary;
    parts.push(`command not found in the sandbox: ${end.missingCommand ?? first ?? m.agent}`);
  }
  if (status === 'timed-out') parts.push(`stopped after the ${m.timeoutMs}ms timeout`);
  if (end.vanished && exit.exitCode === null && status === 'failed')
    parts.push(
      'its command ended without a word (killed from outside corral, or the machine restarted); what it left was brought back',
    );
  if (status === 'budget-exceeded' && budgetSpent !== null)
    parts.push(
      `stopped: ${budgetSpent}${m.keep ? `; to go on, resume it with a larger budget: corral resume ${m.id} --budget-tokens <n> (or --budget-usd <usd>)` : ''}`,
    );
  if (bringBackError)
    parts.push(`bring-back failed (${bringBackError}); the work is kept in ${workspace}`);
  return parts.length ? parts.join('; ') : null;
}
