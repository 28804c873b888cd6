/**
 * A viewer of a terminal session's WebSocket, as a test drives it: connects (over the
 * engine's socket, or over TCP with the headers given), collects the screen, types, sizes
 * the window, and tells how the connection ended; a refused upgrade gives its status and
 * body instead.
 */
import WebSocket from 'ws';
import { waitFor } from './cli.js';

export interface TerminalViewer {
  screen(): string;
  /** Keys, as a browser's terminal sends them (a JSON input frame). */
  type(keys: string): void;
  resize(rows: number, cols: number): void;
  /** Waits until the screen holds `text`; returns the screen. */
  waitForScreen(text: string, timeoutMs?: number): Promise<string>;
  /** Whether `{"type":"ended"}` came, and the close code, once closed. */
  closed: Promise<{ ended: boolean; code: number }>;
  close(): void;
}

export type Attached = { viewer: TerminalViewer } | { refused: { status: number; body: string } };

/** `url`: `ws+unix:<socket>:/v1/instances/<id>/terminal` or `ws://127.0.0.1:<port>/v1/…`. */
export function attachViewer(url: string, headers: Record<string, string> = {}): Promise<Attached> {
  const ws = new WebSocket(url, { headers });
  let screen = '';
  let ended = false;
  ws.on('message', (data, isBinary) => {
    const text = (
      Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
    ).toString();
    if (isBinary) screen += text;
    else if ((JSON.parse(text) as { type: string }).type === 'ended') ended = true;
  });
  const closed = new Promise<{ ended: boolean; code: number }>((resolve) =>
    ws.once('close', (code) => resolve({ ended, code })),
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        viewer: {
          screen: () => screen,
          type: (keys) => ws.send(JSON.stringify({ type: 'input', data: keys })),
          resize: (rows, cols) => ws.send(JSON.stringify({ type: 'resize', rows, cols })),
          waitForScreen: (text, timeoutMs = 30_000) =>
            waitFor(
              `"${text}" on the terminal (screen so far: ${JSON.stringify(screen.slice(-300))})`,
              () => Promise.resolve(screen.includes(text) ? screen : undefined),
              timeoutMs,
            ),
          closed,
          close: () => ws.close(),
        },
      }),
    );
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ refused: { status: res.statusCode ?? 0, body } }));
    });
    ws.once('error', reject);
  });
}

/** The viewer, or a failure that says why the upgrade was refused. */
export async function mustAttach(url: string, headers?: Record<string, string>) {
  const attached = await attachViewer(url, headers);
  if ('refused' in attached) {
    throw new Error(`refused ${attached.refused.status}: ${attached.refused.body}`);
  }
  return attached.viewer;
}
