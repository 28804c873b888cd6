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

function readStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counted after the parenthesised command name, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
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
  if (ref.startTicks === null) return true;
  const now = readStartTicks(ref.pid);
  return now === null || now === ref.startTicks;
}
