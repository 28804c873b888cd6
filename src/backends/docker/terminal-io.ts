/**
 * Wires a terminal port (backends/terminal-port.ts: this process's terminal, or one the
 * engine hosts) to a TTY exec: keystrokes to the exec, its output to the port and to a
 * tee the caller logs, and the window size now and whenever it changes. Returns the
 * function that undoes all of it; the caller runs it when the exec ends or fails, so the
 * developer's terminal is never left in raw mode.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Duplex, Writable } from 'node:stream';
import type { TerminalPort, TerminalSize } from '../terminal-port.js';

/** What the Engine API's exec resize takes. */
export type ExecResize = (size: { h: number; w: number }) => Promise<unknown>;

/**
 * The exec may not be running yet when we first size it (the Engine API then refuses), so
 * the first resize is retried briefly, as the docker CLI does.
 */
async function resizeSoon(resize: ExecResize, size: TerminalSize | null): Promise<void> {
  if (!size) return;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await resize({ h: size.rows, w: size.cols });
      return;
    } catch {
      await delay(50);
    }
  }
}

export function attachTerminal(
  stream: Duplex,
  tee: Writable,
  resize: ExecResize,
  port: TerminalPort,
): () => void {
  const onInput = (chunk: Buffer): void => {
    if (!stream.writableEnded) stream.write(chunk);
  };
  const onOutput = (chunk: Buffer): void => {
    port.write(chunk);
    tee.write(chunk);
  };
  let close = (): void => undefined;
  let stopResizes = (): void => undefined;
  let detached = false;
  try {
    close = port.open();
    port.input.on('data', onInput);
    stream.on('data', onOutput);
    stopResizes = port.onResize((size) => void resizeSoon(resize, size));
    void resizeSoon(resize, port.size());
  } catch (error) {
    detach();
    throw error;
  }

  function detach(): void {
    if (detached) return;
    detached = true;
    port.input.off('data', onInput);
    close();
    stream.off('data', onOutput);
    stopResizes();
  }
  return detach;
}
