/**
 * Whether a process still runs, by its pid, with zombies counted as ended: a process killed
 * with kill -9 stays a zombie until its parent reaps it, and an orphan's parent (pid 1) may
 * take seconds to (seen here: over a second). `kill(pid, 0)` succeeds on a zombie, so a
 * lock or a record naming a killed process would look held the whole time.
 */
import { readFileSync } from 'node:fs';

/** State and start time from /proc/<pid>/stat, or null where there is none (not Linux, gone). */
export function readProcessStat(pid: number): { state: string; startTicks: string } | null {
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

/** A zombie (Z) or a process being torn down (X) runs no more code. */
export function hasEnded(state: string): boolean {
  return state === 'Z' || state === 'X';
}

/** True while `pid` names a process that has not ended (one of another user's counts). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProcessStat(pid);
  return stat === null ? process.platform !== 'linux' : !hasEnded(stat.state);
}
