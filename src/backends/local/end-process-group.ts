/**
 * Ends one sandboxed command the way `docker stop` ends a container: SIGTERM to the
 * command's own processes, then SIGKILL to everything after a grace period. The SIGTERM
 * goes below srt's scaffolding (see `process-tree.ts`): killing srt, its shell or
 * bubblewrap first would tear the sandbox down around the command with SIGKILL and leave
 * it no chance to save its state. The SIGKILL goes to everything below srt, then, if srt
 * does not exit by itself, to its process group (bubblewrap runs with --die-with-parent,
 * so nothing inside outlives that).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  findCommandProcesses,
  getGroupTree,
  isProcessGroupAlive,
  loadProcessTable,
  signalProcesses,
} from './process-tree.js';

const pollMs = 50;
/** How long srt gets to clean up after its command was killed. */
const srtCleanupMs = 2000;
/** How long to wait for the kernel to reap a SIGKILLed tree before giving up on it. */
const killWaitMs = 5000;

export interface EndOptions {
  graceMs: number;
  /** Pid namespaces between srt and the command (`findCommandProcesses`). */
  levels: number;
  /** Resolves once the group's leader has exited; without it, the group is polled. */
  ended?: Promise<unknown>;
  /** Told of each signal as it is sent, so an exit status can be read in its light. */
  onSignal?: (signal: NodeJS.Signals) => void;
}

/** Ends process group `pgid` (a `node srt` in a group of its own); resolves when it is gone. */
export async function endProcessGroup(pgid: number, options: EndOptions): Promise<void> {
  const { graceMs, levels, onSignal } = options;
  const ended = options.ended ?? pollUntilGone(pgid, Date.now() + graceMs + killWaitMs);
  let done = false;
  const finished = ended.then(
    () => (done = true),
    () => (done = true),
  );
  const deadline = Date.now() + graceMs;
  let told = false;
  while (!done && Date.now() < deadline) {
    // srt may still be starting the command; keep looking until it can be told. Only
    // once: a command that spawns helpers to shut down cleanly must not see them killed.
    if (!told) {
      const command = findCommandProcesses(loadProcessTable(), pgid, levels);
      if (command.length > 0) {
        onSignal?.('SIGTERM');
        signalProcesses(
          command.map((p) => p.pid),
          'SIGTERM',
        );
        told = true;
      }
    }
    await within(finished, Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
  if (done) return;
  onSignal?.('SIGKILL');
  // Everything but srt first: with its command gone, srt exits by itself and on the way
  // removes the placeholders it mounted in the workspace and its sockets in /tmp, which a
  // SIGKILL would leave behind. Listed before killing: what is below a dead process is
  // reparented away from the tree.
  const below = getGroupTree(loadProcessTable(), pgid).filter((p) => p.pid !== pgid);
  signalProcesses(
    below.map((p) => p.pid),
    'SIGKILL',
  );
  await within(finished, srtCleanupMs);
  if (done) return;
  const rest = getGroupTree(loadProcessTable(), pgid).map((p) => p.pid);
  signalProcesses([-pgid, ...rest], 'SIGKILL');
  await within(finished, killWaitMs);
}

/** Waits for `promise`, or `ms` at most, without leaving a timer that keeps node alive. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

async function pollUntilGone(pgid: number, deadline: number): Promise<void> {
  while (isProcessGroupAlive(pgid) && Date.now() < deadline) await sleep(pollMs);
}
