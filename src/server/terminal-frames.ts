/**
 * The frames of a terminal session's WebSocket (terminal-socket.ts) that both of its ends
 * here make or read: the engine's and `corral attach`'s (cli/terminal-client.ts). The
 * dashboard's end (web/src/components/terminal-panel.tsx) speaks the same frames.
 */
import type { RawData } from 'ws';
import type { TerminalSize } from '../backends/terminal-port.js';

/** What the engine sends, as a text frame, just before it closes: the session ended. */
export const endedFrame = JSON.stringify({ type: 'ended' });

/** A viewer's window size, as a text frame. */
export function resizeFrame(size: TerminalSize): string {
  return JSON.stringify({ type: 'resize', rows: size.rows, cols: size.cols });
}

/** A received frame's bytes, however the WebSocket library handed them over. */
export function frameBytes(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
}
