/**
 * A terminal session the engine hosts (`corral run -i -d`): the terminal port its sandbox
 * process is wired to, and the people attached to it from elsewhere (the dashboard's web
 * terminal, `corral attach`). What the process prints goes to everyone attached, and the
 * last stretch of it is kept so that someone attaching late sees the screen it left; keys
 * from anyone attached reach the process; the window takes the size last asked for. When
 * the process ends, everyone attached is told and let go.
 */
import { PassThrough } from 'node:stream';
import type { TerminalPort, TerminalSize } from '../backends/terminal-port.js';

/** How much of the recent output a late attach is shown (bytes). */
export const keptOutputBytes = 256 * 1024;

export interface TerminalViewer {
  /** What the process printed. */
  output(bytes: Buffer): void;
  /** The session ended (the process exited or could not start). */
  ended(): void;
}

export interface TerminalAttachment {
  /** Keys typed (as the terminal encodes them). */
  input(bytes: Buffer | string): void;
  /** The viewer's window changed size. */
  resize(size: TerminalSize): void;
  /** Lets go of the session; the process goes on. */
  detach(): void;
}

/** Bounds of a window size a viewer may ask for. */
function isSaneSize(size: TerminalSize): boolean {
  const ok = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max;
  return ok(size.rows, 1000) && ok(size.cols, 2000);
}

export class TerminalHub implements TerminalPort {
  readonly input = new PassThrough();
  readonly #viewers = new Set<TerminalViewer>();
  readonly #resizeListeners = new Set<(size: TerminalSize) => void>();
  #kept: Buffer[] = [];
  #keptBytes = 0;
  #size: TerminalSize | null = null;
  #ended = false;

  get ended(): boolean {
    return this.#ended;
  }

  write(bytes: Buffer): void {
    this.#keep(bytes);
    for (const viewer of this.#viewers) viewer.output(bytes);
  }

  size(): TerminalSize | null {
    return this.#size;
  }

  onResize(listener: (size: TerminalSize) => void): () => void {
    this.#resizeListeners.add(listener);
    return () => this.#resizeListeners.delete(listener);
  }

  open(): () => void {
    return () => undefined;
  }

  /** Shows `viewer` the kept screen, then everything printed from now on. */
  attach(viewer: TerminalViewer): TerminalAttachment {
    if (this.#kept.length) viewer.output(Buffer.concat(this.#kept));
    if (this.#ended) {
      viewer.ended();
      return { input: () => undefined, resize: () => undefined, detach: () => undefined };
    }
    this.#viewers.add(viewer);
    return {
      input: (bytes) => {
        if (this.#viewers.has(viewer) && !this.#ended) this.input.write(bytes);
      },
      resize: (size) => {
        if (!this.#viewers.has(viewer) || !isSaneSize(size)) return;
        this.#size = { rows: size.rows, cols: size.cols };
        for (const listener of this.#resizeListeners) listener(this.#size);
      },
      detach: () => void this.#viewers.delete(viewer),
    };
  }

  /** The process ended: everyone attached is told and let go. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.input.end();
    for (const viewer of this.#viewers) viewer.ended();
    this.#viewers.clear();
  }

  #keep(bytes: Buffer): void {
    this.#kept.push(bytes);
    this.#keptBytes += bytes.length;
    while (this.#keptBytes > keptOutputBytes) {
      const first = this.#kept[0]!;
      const excess = this.#keptBytes - keptOutputBytes;
      if (first.length <= excess) {
        this.#kept.shift();
        this.#keptBytes -= first.length;
      } else {
        this.#kept[0] = Buffer.from(first.subarray(excess));
        this.#keptBytes -= excess;
      }
    }
  }
}
