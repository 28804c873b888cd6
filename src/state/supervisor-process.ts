/**
 * Identifies the process that supervises an instance, robustly against pid reuse: a pid
 * plus the process's start time from /proc (Linux). Used by reconcile to tell a running
 * instance from one whose supervisor died (`lost`).
 */
import { readFileSync } from 'node:fs';

export interface SupervisorRef {
  pid: number;
  startTicks: string | null;
}

/** State and start time from /proc/<pid>/stat, or null where there is no /proc. */
function readStat(pid: number): { state: string; startTicks: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces): state is
    // field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTicks: fields[19] ?? '' };
  } catch {
    return null;
  }
}

function readStartTicks(pid: number): string | null {
  return readStat(pid)?.startTicks ?? null;
}

export function getCurrentSupervisor(): SupervisorRef {
  return { pid: process.pid, startTicks: readStartTicks(process.pid) };
}

export function isSupervisorAlive(ref: SupervisorRef): boolean {
  try {
    process.kill(ref.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = readStat(ref.pid);
  if (now === null) return process.platform !== 'linux';
  // A killed supervisor nobody has reaped yet is a zombie: gone for our purposes.
  if (now.state === 'Z' || now.state === 'X') return false;
  return ref.startTicks === null || now.startTicks === ref.startTicks;
}

/** A process of this machine by its pid, with its start time (for `isSupervisorAlive`). */
export function getProcessRef(pid: number): SupervisorRef {
  return { pid, startTicks: readStartTicks(pid) };
}
