/**
 * A terminal for a local sandbox's process when it is not corral's own (the engine hosts
 * it: the dashboard's web terminal, `corral attach`). Node cannot make a pseudo-terminal,
 * so util-linux `script` makes one inside the fence (bubblewrap gives the sandbox a devpts
 * of its own) and runs the command on it; its other end is plain pipes to us. Keys go to
 * its stdin, what it prints to the port and the caller's tee. A window size is set on the
 * command's terminal from outside: `stty -F /proc/<pid>/fd/0` on the first process of the
 * command that has a pseudo-terminal as its input (the kernel then sends SIGWINCH to the
 * terminal's foreground group, as with any window).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { quoteArgv } from '../../lib/quote-argv.js';
import type { TerminalPort, TerminalSize } from '../terminal-port.js';
import { findCommandProcesses, loadProcessTable } from './process-tree.js';

const run = promisify(execFile);

/** `argv` run on a pseudo-terminal of its own (`script`, quiet, unbuffered, its exit code). */
export function onPseudoTerminal(argv: readonly string[]): string[] {
  return ['script', '--quiet', '--flush', '--return', '--command', quoteArgv(argv), '/dev/null'];
}

/** The command's terminal as seen from here, once it exists. */
function findTerminal(pgid: number, levels: number): string | undefined {
  for (const p of findCommandProcesses(loadProcessTable(), pgid, levels)) {
    try {
      if (/^\/dev\/pts\/\d+$/.test(readlinkSync(`/proc/${p.pid}/fd/0`))) {
        return `/proc/${p.pid}/fd/0`;
      }
    } catch {
      // Gone, or not ours to look at: try the next.
    }
  }
  return undefined;
}

/** Sets the window size of the command's terminal, waiting briefly for it to exist. */
async function resize(pgid: number, levels: number, size: TerminalSize): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const terminal = findTerminal(pgid, levels);
    if (terminal) {
      await run('stty', ['-F', terminal, 'rows', String(size.rows), 'cols', String(size.cols)], {
        timeout: 5000,
      }).catch(() => undefined);
      return;
    }
    await delay(100);
  }
}

/**
 * Wires `child` (spawned on `onPseudoTerminal`, stdio pipes) to `port`; returns the
 * stream of what it printed, for the caller's log, and the function that undoes it.
 */
export function wireHostedTerminal(
  child: ChildProcess,
  port: TerminalPort,
  levels: number,
): { output: Readable; detach: () => void } {
  const output = new PassThrough();
  const pgid = child.pid ?? -1;
  // Resizes and keys in the order they came: keys typed after a resize see the new size.
  let queue = Promise.resolve();
  const onInput = (bytes: Buffer): void => {
    queue = queue.then(() => {
      if (child.stdin?.writable) child.stdin.write(bytes);
    });
  };
  const onOutput = (bytes: Buffer): void => {
    port.write(bytes);
    output.write(bytes);
  };
  child.stdin?.on('error', () => undefined);
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  child.once('close', () => output.end());
  const close = port.open();
  port.input.on('data', onInput);
  const resizeTo = (size: TerminalSize | null): void => {
    if (size) queue = queue.then(() => resize(pgid, levels, size));
  };
  const stopResizes = port.onResize(resizeTo);
  resizeTo(port.size());
  return {
    output,
    detach: () => {
      port.input.off('data', onInput);
      stopResizes();
      close();
    },
  };
}
