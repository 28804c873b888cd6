/**
 * Supervises one run of an instance, from sandbox start to the branch in the source
 * repository: starts the sandbox, launches what the agent adapter asks for, streams its
 * output (redacted) to `output.log`, the terminal and the event log (with what a fenced
 * instance's gateway logged: connections, metered model calls, refused ones), enforces the
 * timeout, turns a cancel into a graceful stop, ends the run when the gateway refuses a
 * model call because the instance's budget is spent (`budget-exceeded`), brings the work
 * back, releases the sandbox and writes the final record. Whatever happens to the agent, bring-back is attempted; when it
 * fails the workspace is kept so nothing is lost.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { getAgent } from '../agents/index.js';
import { hostsToAllow } from '../agents/host-env.js';
import { loadEgressPolicy, watchEgressPolicy, type PolicyWatcher } from '../gateway/policy.js';
import type { Backend, ProcessExit, Sandbox } from '../backends/backend.js';
import { instanceLabels } from '../backends/labels.js';
import { EventSink, type CorralEvent } from '../events/index.js';
import { isCorralError } from '../lib/errors.js';
import { Redactor } from '../lib/redactor.js';
import { sanitizeStrings, sanitizeTerminalText } from '../lib/terminal-text.js';
import { trace } from '../lib/trace.js';
import { getCurrentSupervisor, type InstanceStatus, type Metadata } from '../state/index.js';
import { withBringBack } from '../workspace/index.js';
import { openAgentAccess, prepareLaunch, type OpenedAgentAccess } from './agent-launch.js';
import { bringBackOptions, bringBackSafely } from './bring-back-step.js';
import { followGatewayLogs, type GatewayLogFollower } from './gateway-log-follower.js';
import type { InstanceStore } from './instance-store.js';
import { findMissingCommand } from './missing-command.js';
import { OutputPipeline } from './output-pipeline.js';
import { SummaryCollector } from './run-summary.js';
import { discardWorkspace } from './trash.js';
import { followRequestEvents } from './requests/index.js';

export interface SuperviseIO {
  /** Live echo of the raw output (the shell agent); null when detached or rendering events. */
  stdout: Writable | null;
  stderr: Writable | null;
  /** Forward this stream to the command's stdin (headless runs with piped input). */
  stdin: NodeJS.ReadableStream | null;
  /** Every event as it is written, for live rendering. */
  onEvent?: (event: CorralEvent) => void;
}

export interface SuperviseOptions {
  store: InstanceStore;
  backend: Backend;
  id: string;
  io: SuperviseIO;
  /** Aborting it stops the command gracefully; the instance ends `canceled`. */
  cancel?: AbortSignal;
  /** Grace between SIGTERM and SIGKILL when stopping. */
  stopGraceMs?: number;
  /** Progress lines for people (stderr). */
  log?: (line: string) => void;
}

export async function superviseInstance(options: SuperviseOptions): Promise<Metadata> {
  const { store, backend, id, io } = options;
  const log = options.log ?? (() => undefined);
  const paths = store.paths(id);
  let metadata = await store.load(id);
  const adapter = getAgent(metadata.agent);
  const started = Date.now();
  const output = createWriteStream(paths.output, { flags: 'a' });
  let redactor = new Redactor([]);
  const events = new EventSink(paths.events, (line) => redactor.redact(line));
  const summary = new SummaryCollector();
  let sessionId = metadata.agentSessionId;
  // The last command a shell said it could not find: exit 127 names it.
  let missingCommand: string | null = null;
  // What the gateway said when it refused a call for the spent budget; once set, the run ends.
  let budgetSpent: string | null = null;
  let onBudgetSpent: (() => void) | undefined;
  const onEvent = (event: CorralEvent) => {
    summary.add(event);
    if (event.type === 'agent.session') sessionId = event.sessionId;
    if (event.type === 'raw' && event.stream === 'stderr')
      missingCommand = findMissingCommand(event.line) ?? missingCommand;
    if (event.type === 'gateway.denied' && event.reason === 'budget' && budgetSpent === null) {
      budgetSpent = event.message;
      onBudgetSpent?.();
    }
    io.onEvent?.(event);
  };

  let sandbox: Sandbox | undefined;
  let exit: ProcessExit = { exitCode: null, signal: null };
  let reason: EndReason | undefined;
  let startError: unknown;
  let ran = false;

  metadata = await store.update(id, {
    status: 'running',
    startedAt: new Date().toISOString(),
    endedAt: null,
    supervisor: getCurrentSupervisor(),
    message: null,
  });

  // The agent's requests and their answers, as events (request-events.ts).
  const requestEvents = followRequestEvents({
    paths,
    push: (event) => onEvent(events.push({ id, ...event })),
    onError: (message) => log(`${id}: ${message}`),
  });
  let policyWatcher: PolicyWatcher | undefined;
  let gatewayLogs: GatewayLogFollower | undefined;
  let opened: OpenedAgentAccess | undefined;
  try {
    // Endpoints and credentials, decided once (fenced: the gateway's, and a placeholder
    // key, the gateway alone holding the real one).
    opened = await openAgentAccess(adapter, metadata, paths, backend, {
      env: process.env,
      home: store.home,
      log: (message) => log(`${id}: ${message}`),
    });
    const { access } = opened;
    redactor = new Redactor(access.secrets);
    // Hosts the agent needs for its model API, plus the instance's live egress policy.
    const baseHosts = metadata.network === 'open' ? hostsToAllow(adapter, access.endpoints) : [];
    const policy = await loadEgressPolicy(paths.policyFile);
    sandbox = await backend.start({
      instanceId: id,
      workspaceDir: paths.workspace,
      image: metadata.image,
      env: { CORRAL_INSTANCE: id },
      limits: metadata.limits,
      relax: metadata.relax,
      mounts: metadata.mounts,
      labels: instanceLabels(id, store.home),
      network: metadata.network,
      allowHosts: [...baseHosts, ...policy.allow],
      // The agent's CLI, run from the host's install on the local backend.
      tools: adapter.binary && adapter.binary !== 'sh' ? [adapter.binary] : [],
      ...(access.fence ? { fence: access.fence } : {}),
    });
    trace('sandbox started');
    // No gateway logs what this sandbox is refused (no network, or sandbox-runtime's proxy).
    if (!access.fence) summary.readOutput([...baseHosts, ...policy.allow]);
    metadata = await store.update(id, {
      sandboxId: sandbox.id,
      enforcedLimits: sandbox.limits ?? null,
    });
    onEvent(events.push({ id, type: 'instance.started', sandboxId: sandbox.id }));
    if (access.fence || access.hostGateway) {
      gatewayLogs = await followGatewayLogs(id, paths, (e) => onEvent(events.push(e)));
    }

    const prepared = await prepareLaunch(adapter, metadata, paths, sandbox, access);
    const wrapped = withBringBack(prepared.launch.argv, bringBackOptions(metadata, sandbox));
    const proc = await sandbox.spawn({
      argv: wrapped.argv,
      env: { ...prepared.env, ...wrapped.env },
      stdio: metadata.interactive ? 'terminal' : 'pipe',
    });
    ran = true;
    const live = sandbox;
    if (live.setAllowedHosts) {
      policyWatcher = await watchEgressPolicy({
        path: paths.policyFile,
        onChange: (p) =>
          void live.setAllowedHosts?.([...baseHosts, ...p.allow]).catch(() => undefined),
        onError: (message) => log(`${id}: ${message}`),
      });
    }
    const pipeline = new OutputPipeline({
      id,
      log: output,
      events,
      redactor,
      parser: metadata.interactive ? null : adapter.createParser(),
      echo:
        io.stdout && io.stderr && !metadata.interactive
          ? { stdout: io.stdout, stderr: io.stderr }
          : null,
      onEvent,
    });
    const drained = pump(proc.stdout, (c) => pipeline.stdout(c)).then(() => undefined);
    const drainedErr = pump(proc.stderr, (c) => pipeline.stderr(c));
    // Agents that read stdin (codex exec) wait for its end; give it one unless input is piped.
    if (io.stdin && proc.stdin) io.stdin.pipe(proc.stdin);
    else proc.stdin?.end();

    const stop = (why: EndReason) => {
      if (reason) return;
      reason = why;
      log(`${id}: ${stopping[why]}`);
      void proc.terminate(options.stopGraceMs ?? 5000);
    };
    onBudgetSpent = () => stop('budget');
    if (budgetSpent !== null) stop('budget');
    const timer = metadata.timeoutMs
      ? setTimeout(() => stop('timeout'), metadata.timeoutMs)
      : undefined;
    const onCancel = () => stop('cancel');
    if (options.cancel?.aborted) onCancel();
    options.cancel?.addEventListener('abort', onCancel, { once: true });
    try {
      exit = await proc.wait();
      await Promise.all([drained, drainedErr]);
      pipeline.end();
      // The gateway logs a refusal before the agent hears of it: an agent that gave up on
      // a spent budget and exited finds it in the log by now.
      await gatewayLogs?.catchUp();
      if (budgetSpent !== null && !reason) reason = 'budget';
    } finally {
      if (timer) clearTimeout(timer);
      options.cancel?.removeEventListener('abort', onCancel);
      if (io.stdin && proc.stdin) io.stdin.unpipe(proc.stdin);
    }
    trace('command ran');
    onEvent(
      events.push({ id, type: 'process.exited', exitCode: exit.exitCode, signal: exit.signal }),
    );
  } catch (error) {
    startError = error;
  }
  await policyWatcher?.close();

  const bringBack = await bringBackSafely(store, metadata, sandbox, ran, events, log);
  const status = decideStatus(exit, reason, startError, bringBack.error);
  onBudgetSpent = undefined;
  trace('bring-back');
  await sandbox?.stop().catch(() => undefined);
  await opened?.close();
  trace('sandbox stopped');
  // The gateway has flushed its logs once it is down; their last lines become events.
  await gatewayLogs?.close();
  await requestEvents.close();

  let workspaceRemoved = false;
  // Re-read: `corral approve` of a package asks to keep the workspace of a running instance.
  const keep =
    metadata.keep ||
    (await store.load(id).then(
      (m) => m.keep,
      () => false,
    ));
  if (!keep && bringBack.error === null) {
    await discardWorkspace(store.home, id, paths.workspace);
    workspaceRemoved = true;
  }
  trace('workspace removed');
  output.end();
  await finished(output).catch(() => undefined);

  const durationMs = Date.now() - started;
  const final = await store.update(id, {
    status,
    exitCode: exit.exitCode,
    signal: exit.signal,
    endedAt: new Date().toISOString(),
    durationMs,
    supervisor: null,
    workspaceRemoved,
    // What came from the sandbox (git's stderr, a start error) is made terminal-safe.
    bringBack: sanitizeStrings(bringBack),
    agentSessionId: sessionId,
    summary: await summary.finish(metadata, bringBack.commit),
    message:
      sanitizeTerminalText(
        redactor.redact(
          describeEnd(metadata, {
            status,
            exit,
            startError,
            missingCommand,
            bringBackError: bringBack.error,
            workspace: paths.workspace,
            budgetSpent,
          }) ?? '',
        ),
      ) || null,
  });
  onEvent(events.push({ id, type: 'instance.ended', status, exitCode: exit.exitCode, durationMs }));
  await events.flush();
  if (startError && isCorralError(startError)) throw startError;
  return final;
}

/** Why the supervisor ended a run the command had not ended itself. */
type EndReason = 'timeout' | 'cancel' | 'budget';

const stopping: Record<EndReason, string> = {
  timeout: 'timed out, stopping…',
  cancel: 'stopping…',
  budget: 'its model budget is spent, stopping…',
};

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
  reason: EndReason | undefined,
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
  if (status === 'budget-exceeded' && budgetSpent !== null)
    parts.push(
      `stopped: ${budgetSpent}${m.keep ? `; to go on, resume it with a larger budget: corral resume ${m.id} --budget-tokens <n> (or --budget-usd <usd>)` : ''}`,
    );
  if (bringBackError)
    parts.push(`bring-back failed (${bringBackError}); the work is kept in ${workspace}`);
  return parts.length ? parts.join('; ') : null;
}
