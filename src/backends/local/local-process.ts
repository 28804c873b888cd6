/**
 * One process in a local sandbox: a `node srt --settings FILE -c <quoted argv>` child in
 * its own process group (and session), with the command's streams, graceful termination
 * and the exit status translated back from srt's.
 *
 * srt reports what the command reported, so a command ended by our SIGTERM comes back as
 * exit code 143 (the wrapper shells pass 128+n up); after `terminate()` that is turned
 * back into `{ exitCode: null, signal: 'SIGTERM' }`, which is what a caller asked for.
 *
 * In `terminal` mode the command shares corral's terminal (stdio inherited): raw mode
 * and Ctrl-C as a byte work natively. bubblewrap gives the command a session of its own
 * (against TIOCSTI injection), so the terminal is not its controlling terminal: window
 * resizes (SIGWINCH) are forwarded to it by hand, and a Ctrl-C typed while the terminal
 * is *not* in raw mode reaches corral, whose caller decides (usually `terminate()`).
 * corral must leave its own stdin unread meanwhile, or the two take turns at the keys.
 * A terminal the engine hosts is a pseudo-terminal inside the fence instead
 * (hosted-terminal.ts), whose output is read here as stdout.
 */
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { ProcessExit, SandboxProcess } from '../backend.js';
import { endProcessGroup } from './end-process-group.js';
import { findCommandProcesses, loadProcessTable, signalProcesses } from './process-tree.js';

const defaultGraceMs = 5000;

export class LocalProcess implements SandboxProcess {
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly stdin: Writable | null;
  readonly pid: number;
  readonly #exited: Promise<ProcessExit>;
  #terminating: Promise<void> | undefined;
  #sentSignal: NodeJS.Signals | null = null;

  readonly #levels: number;

  /**
   * @param child a spawned (`spawn` event seen) srt child with `detached: true`.
   * @param levels pid namespaces between srt and the command (`findCommandProcesses`).
   * @param onEnd runs once the child is gone (streams closed), before `wait()` resolves.
   */
  constructor(
    child: ChildProcess,
    terminal: {
      /** It shares this process's terminal: pass its window resizes on. */
      forwardResizes: boolean;
      /** A hosted terminal's output (hosted-terminal.ts), read instead of the child's. */
      output?: Readable;
    },
    levels: number,
    onEnd: () => Promise<void>,
  ) {
    if (child.pid === undefined) throw new Error('LocalProcess needs a spawned child');
    this.pid = child.pid;
    this.#levels = levels;
    this.stdout = terminal.output ?? child.stdout ?? endedStream();
    this.stderr = terminal.output ? endedStream() : (child.stderr ?? endedStream());
    // A hosted terminal's keys are the port's, not a caller's.
    this.stdin = terminal.output ? null : child.stdin;
    // A command that exits without reading its input closes the pipe; that is not an error.
    this.stdin?.on('error', () => undefined);
    const stopForwarding = terminal.forwardResizes
      ? forwardWindowResizes(this.pid, levels)
      : () => undefined;
    this.#exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve) => {
        child.once('close', (code, signal) => resolve({ code, signal }));
      },
    ).then(async ({ code, signal }) => {
      stopForwarding();
      await onEnd().catch(() => undefined);
      return this.#toExit(code, signal);
    });
  }

  #toExit(code: number | null, signal: NodeJS.Signals | null): ProcessExit {
    if (signal) return { exitCode: null, signal };
    const sent = this.#sentSignal;
    // Nothing survives SIGKILL to exit by itself; srt then reports its own status (1).
    if (sent === 'SIGKILL') return { exitCode: null, signal: sent };
    if (sent && code === 128 + constants.signals[sent]) return { exitCode: null, signal: sent };
    return { exitCode: code, signal: null };
  }

  wait(): Promise<ProcessExit> {
    return this.#exited;
  }

  /** SIGTERM to the command, SIGKILL to everything after `graceMs`. Idempotent. */
  terminate(graceMs = defaultGraceMs): Promise<void> {
    this.#terminating ??= endProcessGroup(this.pid, {
      graceMs,
      levels: this.#levels,
      ended: this.#exited,
      onSignal: (signal) => (this.#sentSignal = signal),
    }).then(async () => {
      await this.#exited;
    });
    return this.#terminating;
  }
}

function endedStream(): Readable {
  const stream = new PassThrough();
  stream.end();
  return stream;
}

/** Passes this terminal's window-size changes on to the command of process group `pgid`. */
function forwardWindowResizes(pgid: number, levels: number): () => void {
  const forward = () => {
    signalProcesses(
      findCommandProcesses(loadProcessTable(), pgid, levels).map((p) => p.pid),
      'SIGWINCH',
    );
  };
  process.on('SIGWINCH', forward);
  return () => process.off('SIGWINCH', forward);
}
