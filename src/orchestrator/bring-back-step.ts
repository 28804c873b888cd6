/**
 * The bring-back step of a run: the report the in-sandbox wrapper left (or, when it was
 * killed first, a second process in the sandbox that does the same), then the bundle
 * imported into the source repository under its lock. Failure is a value: the workspace
 * is then kept so nothing is lost.
 */
import { join } from 'node:path';
import type { Sandbox } from '../backends/backend.js';
import type { EventBus } from '../events/index.js';
import { acquireLock } from '../lib/lock.js';
import { trace } from '../lib/trace.js';
import { getRepoLockPath, type Metadata } from '../state/index.js';
import {
  bringBackCommand,
  getBaseTip,
  git,
  importBringBack,
  loadBringBackReport,
  parseBringBackOutput,
  type BringBackScriptOptions,
} from '../workspace/index.js';
import type { InstanceStore } from './instance-store.js';

export function bringBackOptions(metadata: Metadata, sandbox: Sandbox): BringBackScriptOptions {
  return {
    id: metadata.id,
    agent: metadata.agent,
    baseTip: getBaseTip(metadata.base),
    gitDir: join(sandbox.workdir, '.git'),
    // The backend's placeholders, and what the setup left untracked (run-setup.ts).
    excludes: [...(sandbox.placeholders ?? []), ...(metadata.setup?.leftOut ?? [])],
  };
}

export async function bringBackSafely(
  store: InstanceStore,
  metadata: Metadata,
  sandbox: Sandbox | undefined,
  ran: boolean,
  events: EventBus,
  log: (line: string) => void,
): Promise<NonNullable<Metadata['bringBack']>> {
  const id = metadata.id;
  const baseTip = getBaseTip(metadata.base);
  try {
    if (!sandbox) {
      // Nothing ran: the branch starts where the base is.
      await git(metadata.sourceRepo, ['update-ref', `refs/heads/${metadata.branch}`, baseTip]);
      events.push({ id, type: 'bring-back.done', commit: baseTip, committedLeftovers: false });
      return { commit: baseTip, committedLeftovers: false, error: null };
    }
    const workspace = store.paths(id).workspace;
    let report = ran ? await loadBringBackReport(workspace) : undefined;
    if (!report) {
      const cmd = bringBackCommand(bringBackOptions(metadata, sandbox));
      const r = await sandbox.exec(cmd.argv, { env: cmd.env });
      if (r.exitCode !== 0) {
        const tail = r.stderr.trim().split('\n').slice(-3).join(' ');
        throw new Error(`git in the sandbox failed (exit ${r.exitCode}): ${tail}`);
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
    events.push({
      id,
      type: 'bring-back.done',
      commit,
      committedLeftovers: report.committedLeftovers,
    });
    if (!report.headReadable) {
      // The files arrived, the agent's own commits could not: say so, keep the workspace.
      const message =
        "the workspace's HEAD could not be read, so its files are on the branch on top of the base but the agent's own commits are not";
      log(`${id}: bring-back incomplete: ${message}`);
      events.push({ id, type: 'bring-back.failed', error: message });
      return { commit, committedLeftovers: report.committedLeftovers, error: message };
    }
    return { commit, committedLeftovers: report.committedLeftovers, error: null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`${id}: bring-back failed: ${message}`);
    events.push({ id, type: 'bring-back.failed', error: message });
    return { commit: null, committedLeftovers: false, error: message };
  }
}
