/**
 * Wires this process's terminal to a TTY exec for interactive agents: raw mode (so Ctrl-C
 * is just a byte the agent receives), keystrokes to the exec, its output to our stdout and
 * to a tee the caller logs, and the window size now and whenever it changes. Returns the
 * function that undoes all of it; the caller runs it when the exec ends or fails, so the
 * developer's terminal is never left in raw mode.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Duplex, Writable } from 'node:stream';

export interface TerminalSize {
  h: number;
  w: number;
}

/**
 * The exec may not be running yet when we first size it (the Engine API then refuses), so
 * the first resize is retried briefly, as the docker CLI does.
 */
async function resizeSoon(resize: (size: TerminalSize) => Promise<unknown>): Promise<void> {
  const { rows, columns } = process.stdout;
  if (!process.stdout.isTTY || !rows || !columns) return;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await resize({ h: rows, w: columns });
      return;
    } catch {
      await delay(50);
    }
  }
}

export function attachTerminal(
  stream: Duplex,
  tee: Writable,
  resize: (size: TerminalSize) => Promise<unknown>,
): () => void {
  const input = process.stdin;
  const output = process.stdout;
  const wasRaw = input.isTTY ? input.isRaw : false;
  const onInput = (chunk: Buffer): void => {
    if (!stream.writableEnded) stream.write(chunk);
  };
  const onOutput = (chunk: Buffer): void => {
    output.write(chunk);
    tee.write(chunk);
  };
  // Node turns SIGWINCH into 'resize' on a TTY stdout.
  const onResize = (): void => void resizeSoon(resize);

  let detached = false;
  try {
    if (input.isTTY) input.setRawMode(true);
    input.on('data', onInput);
    input.resume();
    stream.on('data', onOutput);
    output.on('resize', onResize);
    void resizeSoon(resize);
  } catch (error) {
    detach();
    throw error;
  }

  function detach(): void {
    if (detached) return;
    detached = true;
    input.off('data', onInput);
    input.pause();
    if (input.isTTY) input.setRawMode(wasRaw);
    stream.off('data', onOutput);
    output.off('resize', onResize);
  }
  return detach;
}
