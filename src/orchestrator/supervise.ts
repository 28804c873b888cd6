/**
 * Supervises one run of an instance, from sandbox start to the branch in the source
 * repository: starts the sandbox, runs the command with its output streamed to the
 * terminal (when there is one) and to `output.log`, enforces the timeout, turns a cancel
 * into a graceful stop, brings the work back, releases the sandbox and writes the final
 * record. Whatever happens to the command, bring-back is attempted; when it fails the
 * workspace is kept so nothing is lost.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Backend, Sandbox, SandboxProcess, ProcessExit } from '../backends/backend.js';
import { instanceLabels } from '../backends/labels.js';
import { EventLog } from '../events/index.js';
import { isCorralError } from '../lib/errors.js';
import { acquireLock } from '../lib/lock.js';
import { trace } from '../lib/trace.js';
import {
  getCurrentSupervisor,
  getRepoLockPath,
  type InstanceStatus,
  type Metadata,
} from '../state/index.js';
import {
  bringBackCommand,
  loadBringBackReport,
  withBringBack,
  getBaseTip,
  importBringBack,
  parseBringBackOutput,
  git,
} from '../workspace/index.js';
import type { InstanceStore } from './instance-store.js';
import { discardWorkspace } from './trash.js';

export interface SuperviseIO {
  /** Where the command's output is echoed live; null when detached. */
  stdout: Writable | null;
  stderr: Writable | null;
  /** Forward this stream to the command's stdin (headless runs with piped input). */
  stdin: NodeJS.ReadableStream | null;
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
  const events = new EventLog(paths.events, id);
  let metadata = await store.load(id);
  const started = Date.now();
  const output = createWriteStream(paths.output, { flags: 'a' });

  let sandbox: Sandbox | undefined;
  let exit: ProcessExit = { exitCode: null, signal: null };
  let reason: 'timeout' | 'cancel' | undefined;
  let startError: unknown;
  let ran = false;

  metadata = await store.update(id, {
    status: 'running',
    startedAt: new Date().toISOString(),
    endedAt: null,
    supervisor: getCurrentSupervisor(),
    message: null,
  });

  try {
    sandbox = await backend.start({
      instanceId: id,
      workspaceDir: paths.workspace,
      image: metadata.image,
      env: { CORRAL_INSTANCE: id },
      limits: metadata.limits,
      labels: instanceLabels(id, store.home),
    });
    trace('sandbox started');
    metadata = await store.update(id, { sandboxId: sandbox.id });
    await events.append({ id, type: 'instance.started', sandboxId: sandbox.id });

    const wrapped = withBringBack(metadata.command, bringBackOptions(metadata, sandbox));
    const proc = await sandbox.spawn({
      argv: wrapped.argv,
      env: wrapped.env,
      stdio: metadata.interactive ? 'terminal' : 'pipe',
    });
    ran = true;
    const drained = pumpOutput(proc, output, metadata.interactive ? null : io);
    if (io.stdin && proc.stdin) io.stdin.pipe(proc.stdin);
    else proc.stdin?.end();

    const stop = (why: 'timeout' | 'cancel') => {
      if (reason) return;
      reason = why;
      log(why === 'timeout' ? `${id}: timed out, stopping…` : `${id}: stopping…`);
      void proc.terminate(options.stopGraceMs ?? 5000);
    };
    const timer = metadata.timeoutMs
      ? setTimeout(() => stop('timeout'), metadata.timeoutMs)
      : undefined;
    const onCancel = () => stop('cancel');
    if (options.cancel?.aborted) onCancel();
    options.cancel?.addEventListener('abort', onCancel, { once: true });
    try {
      exit = await proc.wait();
      await drained;
    } finally {
      if (timer) clearTimeout(timer);
      options.cancel?.removeEventListener('abort', onCancel);
      if (io.stdin && proc.stdin) io.stdin.unpipe(proc.stdin);
    }
    trace('command ran');
    await events.append({
      id,
      type: 'process.exited',
      exitCode: exit.exitCode,
      signal: exit.signal,
    });
  } catch (error) {
    startError = error;
  }

  const status = decideStatus(exit, reason, startError);
  const bringBack = await bringBackSafely(options, metadata, sandbox, ran, log);
  trace('bring-back');
  await sandbox?.stop().catch(() => undefined);
  trace('sandbox stopped');

  let workspaceRemoved = false;
  if (!metadata.keep && bringBack.error === null) {
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
    bringBack,
    message: describeEnd(metadata, status, exit, startError, bringBack.error, paths.workspace),
  });
  await events.append({ id, type: 'instance.ended', status, exitCode: exit.exitCode, durationMs });
  if (startError && isCorralError(startError)) throw startError;
  return final;
}

function pumpOutput(proc: SandboxProcess, log: Writable, io: SuperviseIO | null): Promise<unknown> {
  const forward = (from: NodeJS.ReadableStream, to: Writable | null) =>
    new Promise<void>((resolve) => {
      from.on('data', (chunk: Buffer) => {
        log.write(chunk);
        to?.write(chunk);
      });
      from.on('end', resolve);
      from.on('close', resolve);
      from.on('error', () => resolve());
    });
  return Promise.all([
    forward(proc.stdout, io?.stdout ?? null),
    forward(proc.stderr, io?.stderr ?? null),
  ]);
}

function decideStatus(
  exit: ProcessExit,
  reason: 'timeout' | 'cancel' | undefined,
  startError: unknown,
): InstanceStatus {
  if (reason === 'timeout') return 'timed-out';
  if (reason === 'cancel') return 'canceled';
  if (startError) return 'failed';
  return exit.exitCode === 0 ? 'succeeded' : 'failed';
}

async function bringBackSafely(
  options: SuperviseOptions,
  metadata: Metadata,
  sandbox: Sandbox | undefined,
  ran: boolean,
  log: (line: string) => void,
): Promise<NonNullable<Metadata['bringBack']>> {
  const { store, id } = options;
  const events = new EventLog(store.paths(id).events, id);
  const baseTip = getBaseTip(metadata.base);
  try {
    if (!sandbox) {
      // Nothing ran: the branch starts where the base is.
      await git(metadata.sourceRepo, ['update-ref', `refs/heads/${metadata.branch}`, baseTip]);
      await events.append({
        id,
        type: 'bring-back.done',
        commit: baseTip,
        committedLeftovers: false,
      });
      return { commit: baseTip, committedLeftovers: false, error: null };
    }
    const workspace = store.paths(id).workspace;
    // The wrapper normally brought the work back right after the command; when it was
    // killed first there is no report, and a second process in the sandbox does it.
    let report = ran ? await loadBringBackReport(workspace) : undefined;
    if (!report) {
      const cmd = bringBackCommand(bringBackOptions(metadata, sandbox));
      const r = await sandbox.exec(cmd.argv, { env: cmd.env });
      if (r.exitCode !== 0) {
        throw new Error(
          `git in the sandbox failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`,
        );
      }
      report = parseBringBackOutput(r.stdout);
    }
    trace('bring-back in sandbox');
    const lock = await acquireLock(getRepoLockPath(store.home, metadata.sourceRepo));
    let commit: string;
    try {
      commit = await importBringBack({
        sourceRoot: metadata.sourceRepo,
        branch: metadata.branch,
        baseTip,
        report,
        workspace,
        scratchPath: join(store.paths(id).dir, 'bring-back.bundle'),
      });
    } finally {
      await lock.release();
    }
    await events.append({
      id,
      type: 'bring-back.done',
      commit,
      committedLeftovers: report.committedLeftovers,
    });
    return { commit, committedLeftovers: report.committedLeftovers, error: null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`${id}: bring-back failed: ${message}`);
    await events.append({ id, type: 'bring-back.failed', error: message });
    return { commit: null, committedLeftovers: false, error: message };
  }
}

function bringBackOptions(metadata: Metadata, sandbox: Sandbox) {
  return {
    id: metadata.id,
    agent: metadata.agent,
    baseTip: getBaseTip(metadata.base),
    gitDir: join(sandbox.workdir, '.git'),
  };
}

function describeEnd(
  m: Metadata,
  status: InstanceStatus,
  exit: ProcessExit,
  startError: unknown,
  bringBackError: string | null,
  workspace: string,
): string | null {
  const parts: string[] = [];
  if (startError)
    parts.push(startError instanceof Error ? startError.message : JSON.stringify(startError));
  if (exit.exitCode === 127) parts.push(`command not found in the sandbox: ${m.command[0] ?? ''}`);
  if (status === 'timed-out') parts.push(`stopped after the ${m.timeoutMs}ms timeout`);
  if (bringBackError)
    parts.push(`bring-back failed (${bringBackError}); the work is kept in ${workspace}`);
  return parts.length ? parts.join('; ') : null;
}
