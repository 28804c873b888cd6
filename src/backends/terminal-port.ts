/**
 * Where a terminal session's keys come from and its screen goes. A backend that gives a
 * process a TTY wires it to a port: this process's own terminal (`corral run -i`, raw
 * mode while attached), or a terminal the engine hosts for people who attach from
 * elsewhere (the dashboard's web terminal, `corral attach`; engine/terminal-hub.ts).
 */
import type { Readable } from 'node:stream';

export interface TerminalSize {
  rows: number;
  cols: number;
}

export interface TerminalPort {
  /** Keystrokes for the process, as bytes. */
  readonly input: Readable;
  /** What the process printed (raw terminal bytes). */
  write(bytes: Buffer): void;
  /** The window's size now; null while nobody has said. */
  size(): TerminalSize | null;
  /** Calls `listener` on every change of size; returns the function that stops it. */
  onResize(listener: (size: TerminalSize) => void): () => void;
  /** Readies the port for a session (raw mode); returns what undoes it. */
  open(): () => void;
}

/** This process's own terminal: raw mode while a session runs, so Ctrl-C is just a byte. */
export function processTerminalPort(): TerminalPort {
  const input = process.stdin;
  const output = process.stdout;
  return {
    input,
    write: (bytes) => void output.write(bytes),
    size: () =>
      output.isTTY && output.rows && output.columns
        ? { rows: output.rows, cols: output.columns }
        : null,
    onResize(listener) {
      // Node turns SIGWINCH into 'resize' on a TTY stdout.
      const onResize = (): void => {
        if (output.rows && output.columns) listener({ rows: output.rows, cols: output.columns });
      };
      output.on('resize', onResize);
      return () => output.off('resize', onResize);
    },
    open() {
      const wasRaw = input.isTTY ? input.isRaw : false;
      if (input.isTTY) input.setRawMode(true);
      input.resume();
      return () => {
        input.pause();
        if (input.isTTY) input.setRawMode(wasRaw);
      };
    },
  };
}
