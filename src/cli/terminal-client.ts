/**
 * `corral attach`'s side of a terminal session's WebSocket (server/terminal-socket.ts),
 * over the engine's socket: this terminal in raw mode, keys to the session, what it prints
 * to stdout, window sizes now and on every change. Ctrl-] lets go (the session goes on,
 * as telnet's escape does); the session's end ends it too. The terminal is put back as it
 * was in every case.
 */
import WebSocket from 'ws';
import type { EngineApi } from '../engine/engine-api.js';
import type { Metadata } from '../state/index.js';
import { exitCodeOf, summaryLines } from './outcome.js';
import { progress } from './output.js';
import { CorralError, errorCodes, type ErrorCode } from '../lib/errors.js';
import { processTerminalPort, type TerminalSize } from '../backends/terminal-port.js';
import { endedFrame, frameBytes, resizeFrame } from '../server/terminal-frames.js';

/** Ctrl-]: lets go of the session. */
export const detachKey = 0x1d;

export type AttachEnd = 'ended' | 'detached';

/** The API's error body of a refused upgrade, as an error to report. */
function refusal(status: number, body: string): CorralError {
  try {
    const { error } = JSON.parse(body) as {
      error: { code?: string; message: string; hint?: string };
    };
    const code = error.code && error.code in errorCodes ? (error.code as ErrorCode) : 'USAGE';
    return new CorralError(code, error.message, error.hint ? { hint: error.hint } : {});
  } catch {
    return new CorralError('IO_ERROR', `The engine refused to attach (HTTP ${status}).`);
  }
}

/**
 * `corral attach` of a terminal session: attached until it ends (its outcome then said,
 * its exit code this command's) or Ctrl-]. False when its engine hosts no terminal for it
 * (a foreground `run -i` in another terminal): the caller follows its output instead.
 */
export async function attachTerminalSession(
  engine: EngineApi,
  m: Metadata,
  socket: string,
): Promise<boolean> {
  let end: AttachEnd;
  try {
    end = await attachToTerminal(socket, m.id, () =>
      progress(`corral: attached to ${m.id}; Ctrl-] lets go`),
    );
  } catch (error) {
    if (error instanceof CorralError && error.code === 'INSTANCE_NOT_RUNNING') return false;
    throw error;
  }
  if (end === 'detached') {
    progress(`corral: let go of ${m.id}; it goes on (corral attach ${m.id} to come back)`);
    return true;
  }
  // The session ended: its outcome once its work is back (its events end with the run).
  await engine.followEvents(m.id, { after: -1, follow: true }, () => undefined);
  const ended = await engine.getInstance(m.id);
  for (const line of summaryLines(ended)) progress(line);
  process.exitCode = exitCodeOf(ended);
  return true;
}

export async function attachToTerminal(
  socket: string,
  id: string,
  onOpen: () => void = () => undefined,
): Promise<AttachEnd> {
  const ws = new WebSocket(`ws+unix:${socket}:/v1/instances/${encodeURIComponent(id)}/terminal`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      onOpen();
      resolve();
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => reject(refusal(res.statusCode ?? 0, body)));
    });
    ws.once('error', (error) =>
      reject(new CorralError('IO_ERROR', `Could not attach: ${error.message}`)),
    );
  });
  const port = processTerminalPort();
  const resize = (size: TerminalSize | null): void => {
    if (size && ws.readyState === ws.OPEN) ws.send(resizeFrame(size));
  };
  return new Promise<AttachEnd>((resolve) => {
    let end: AttachEnd = 'detached';
    const close = port.open();
    const stopResizes = port.onResize(resize);
    resize(port.size());
    const onKeys = (bytes: Buffer): void => {
      const at = bytes.indexOf(detachKey);
      if (at >= 0) {
        if (at > 0) ws.send(bytes.subarray(0, at), { binary: true });
        ws.close(1000, 'detached');
        return;
      }
      ws.send(bytes, { binary: true });
    };
    port.input.on('data', onKeys);
    ws.on('message', (data, isBinary) => {
      const bytes = frameBytes(data);
      if (isBinary) port.write(bytes);
      else if (bytes.toString('utf8') === endedFrame) end = 'ended';
    });
    ws.on('error', () => undefined);
    ws.once('close', () => {
      port.input.off('data', onKeys);
      stopResizes();
      close();
      resolve(end);
    });
  });
}
