/**
 * A detached process in a local sandbox: `node srt … -c <command>` in a session of its own,
 * with its standard streams on a log file (srt's own complaints; the command's output goes
 * where its argv sends it) and its live-network channel on a named pipe in the sandbox's
 * run dir. Nothing ties it to the process that started it, so it runs on when that one
 * dies; a later process finds it by its pid (checked against its start time) and changes
 * its network through the pipe (`sendNetworkSettings`).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DetachedProcess, ProcessRef } from '../backend.js';
import { isPidRecordAlive } from './sandbox-record.js';
import {
  findCommandProcesses,
  isLaunchWorking,
  loadProcessStartTime,
  loadProcessTable,
  signalProcesses,
} from './process-tree.js';

/** The named pipe srt of launch `tag` reads network settings from. */
export function controlPipePath(runDir: string, tag: string): string {
  return join(runDir, `control-${tag}.fifo`);
}

/**
 * Makes the pipe and opens it read-write: the descriptor handed to srt then always has a
 * writer (itself), so srt never sees the channel end, whoever else comes and goes.
 */
export function openControlPipe(runDir: string, tag: string): number {
  const path = controlPipePath(runDir, tag);
  const made = spawnSync('mkfifo', ['-m', '600', path], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo ${path}: ${made.stderr.trim()}`);
  return openSync(path, constants.O_RDWR);
}

/** Writes one settings line to every live launch's pipe; a pipe nobody reads is skipped. */
export async function sendNetworkSettings(runDir: string, line: string): Promise<void> {
  const names = await readdir(runDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => /^control-[a-z0-9]+\.fifo$/.test(n))) {
    let fd: number;
    try {
      fd = openSync(join(runDir, name), constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      continue;
    }
    try {
      writeSync(fd, line);
    } catch {
      // full or gone: the next change says it all again
    } finally {
      closeSync(fd);
    }
  }
}

/** `levels`: the pid namespaces between srt and the command (see findCommandProcesses). */
export function reattachLocal(ref: ProcessRef, levels: number): DetachedProcess {
  const pid = Number(ref.pid);
  const record = { pid, startTime: Number(ref.startTime), argv: [] };
  return {
    ref,
    signal(signal) {
      if (!isPidRecordAlive(record)) return Promise.resolve();
      if (signal === 'TERM') {
        // The command, below srt's scaffolding, so that it can end by itself and the
        // wrapper can still bring the work back (see end-process-group.ts).
        signalProcesses(
          findCommandProcesses(loadProcessTable(), pid, levels).map((p) => p.pid),
          'SIGTERM',
        );
        return Promise.resolve();
      }
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
      return Promise.resolve();
    },
    // srt itself alive answers it; else the group is looked at (a scan of /proc).
    isRunning: () =>
      Promise.resolve(
        isPidRecordAlive(record) &&
          (loadProcessStartTime(pid) === record.startTime || isLaunchWorking(pid)),
      ),
  };
}
