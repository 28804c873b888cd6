/**
 * Identifies the process that supervises an instance, robustly against pid reuse: a pid
 * plus the process's start time from /proc (Linux). Used by reconcile to tell a running
 * instance from one whose supervisor died (`lost`).
 */
import { isProcessRunning, readProcessStat } from '../lib/process-stat.js';

export interface SupervisorRef {
  pid: number;
  startTicks: string | null;
}

function readStartTicks(pid: number): string | null {
  return readProcessStat(pid)?.startTicks ?? null;
}

export function getCurrentSupervisor(): SupervisorRef {
  return { pid: process.pid, startTicks: readStartTicks(process.pid) };
}

export function isSupervisorAlive(ref: SupervisorRef): boolean {
  if (!isProcessRunning(ref.pid)) return false;
  const now = readProcessStat(ref.pid);
  return ref.startTicks === null || now === null || now.startTicks === ref.startTicks;
}

/** A process of this machine by its pid, with its start time (for `isSupervisorAlive`). */
export function getProcessRef(pid: number): SupervisorRef {
  return { pid, startTicks: readStartTicks(pid) };
}
