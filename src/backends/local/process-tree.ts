/**
 * Reads the host's process table from /proc to find the processes of one sandboxed
 * command. sandbox-runtime runs a command as `node srt` → `sh` → `bwrap` (outer) →
 * `bwrap` (init of a new pid namespace, new session) → srt's wrapper shell and network
 * bridges → `apply-seccomp` (init of a nested pid namespace) → corral's inner `bwrap`
 * (`inner-fence.ts`) → its init (a third pid namespace) → the command. Signalling the
 * process group of `node srt` does not reach the command (bubblewrap puts it in its own
 * session), and signalling the wrapper kills the namespaces around the command before it
 * can shut down. So a graceful signal goes to the processes below the innermost of those
 * namespace inits, found by structure (pid-namespace depth), not by name.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  /** Clock ticks after boot; with the pid, identifies a process across pid reuse. */
  startTime: number;
  /** How many pid namespaces the process is in, counted from this /proc's namespace. */
  nsDepth: number;
  /** The process's pid in its innermost pid namespace (1 for a namespace's init). */
  innerPid: number;
  /** Its command name (what /proc/<pid>/stat says). */
  comm: string;
  /** Its state letter (R, S, D, Z for a zombie…). */
  state: string;
}

function parseStat(
  text: string,
): Pick<ProcessInfo, 'ppid' | 'pgrp' | 'startTime' | 'comm' | 'state'> | undefined {
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0] ?? '';
  const ppid = Number(fields[1]);
  const pgrp = Number(fields[2]);
  const startTime = Number(fields[19]);
  if (!Number.isInteger(ppid) || !Number.isInteger(pgrp) || !Number.isFinite(startTime))
    return undefined;
  return { ppid, pgrp, startTime, comm, state };
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (!stat) return undefined;
    const nsLine = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const nsPids = (nsLine?.[1] ?? String(pid)).trim().split(/\s+/).map(Number);
    return { pid, ...stat, nsDepth: nsPids.length, innerPid: nsPids[nsPids.length - 1] ?? pid };
  } catch {
    // The process ended between listing /proc and reading it.
    return undefined;
  }
}

/** A snapshot of every process this user can see. */
export function loadProcessTable(): ProcessInfo[] {
  const table: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcess(Number(entry));
    if (info) table.push(info);
  }
  return table;
}

/** The start time of a live process, or undefined when there is no such process. */
export function loadProcessStartTime(pid: number): number | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.startTime;
  } catch {
    return undefined;
  }
}

/** Every process in process group `pgid` and everything below them, breadth first. */
export function getGroupTree(table: readonly ProcessInfo[], pgid: number): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of table) {
    const siblings = children.get(p.ppid) ?? [];
    siblings.push(p);
    children.set(p.ppid, siblings);
  }
  const tree = table.filter((p) => p.pgrp === pgid);
  const seen = new Set(tree.map((p) => p.pid));
  for (let i = 0; i < tree.length; i++) {
    for (const child of children.get(tree[i]?.pid ?? -1) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      tree.push(child);
    }
  }
  return tree;
}

function below(tree: readonly ProcessInfo[], root: ProcessInfo): ProcessInfo[] {
  const inside = new Set([root.pid]);
  const result: ProcessInfo[] = [];
  // `tree` is breadth first, so a parent always comes before its children.
  for (const p of tree) {
    if (inside.has(p.ppid)) {
      inside.add(p.pid);
      result.push(p);
    }
  }
  return result;
}

/**
 * The processes of the command srt runs for process group `pgid`: everything below the
 * innermost of `levels` nested pid-namespace inits (bubblewrap's, apply-seccomp's when
 * srt has it, the inner fence's). The command cannot make namespaces of its own, so
 * nothing deeper exists. Empty while the sandbox is still being set up (fewer inits than
 * `levels`: signalling then would hit the scaffolding) or once the command has ended.
 */
export function findCommandProcesses(
  table: readonly ProcessInfo[],
  pgid: number,
  levels: number,
): ProcessInfo[] {
  const tree = getGroupTree(table, pgid);
  const outerDepth = Math.min(...tree.filter((p) => p.pgrp === pgid).map((p) => p.nsDepth));
  if (!Number.isFinite(outerDepth)) return [];
  let scope = tree;
  for (let depth = outerDepth + 1; depth <= outerDepth + levels; depth++) {
    const init = scope.find((p) => p.nsDepth === depth && p.innerPid === 1);
    if (!init) return [];
    scope = below(tree, init);
  }
  return scope;
}

/** Sends `signal` to each process, ignoring those that have already gone. */
export function signalProcesses(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already (ESRCH), or not ours (EPERM): nothing left to do for it.
    }
  }
}

/**
 * Whether process group `pgid` (a launch: srt and what it runs) still does anything: some
 * process of it is inside the sandbox (a deeper pid namespace than this one) or is not one
 * of srt's socat relays. Relays outlive a launch whose processes were killed from outside,
 * and would keep the group alive for ever; processes in the sandbox cannot pass for them.
 */
export function isLaunchWorking(pgid: number, table = loadProcessTable()): boolean {
  const ownDepth = readProcess(process.pid)?.nsDepth ?? 1;
  return table.some((p) => p.pgrp === pgid && (p.nsDepth > ownDepth || p.comm !== 'socat'));
}

/**
 * True while a process of group `pgid` has not ended. Zombies do not count: a group whose
 * processes all ended is over even while their parent has not reaped them yet (an
 * orphaned bubblewrap waits for pid 1 to reap it, which on some hosts takes seconds).
 */
export function isProcessGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const leader = readProcess(pgid);
  if (leader && leader.pgrp === pgid && !hasEnded(leader)) return true;
  return loadProcessTable().some((p) => p.pgrp === pgid && !hasEnded(p));
}

/** A zombie (Z) or a process being torn down (X): it runs no more code. */
function hasEnded(p: ProcessInfo): boolean {
  return p.state === 'Z' || p.state === 'X';
}
