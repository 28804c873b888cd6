/**
 * The WebSocket through which people attach to a terminal session the engine hosts
 * (`corral run -i -d`): `GET /v1/instances/{id}/terminal` with an upgrade, on the engine's
 * socket (`corral attach`) and, behind the same Host, Origin and token check as every API
 * call, on TCP (the dashboard's web terminal).
 *
 * Frames: from the engine, binary frames are what the terminal printed (first the screen
 * it kept, terminal-hub.ts) and one text frame `{"type":"ended"}` comes before the close
 * when the session ends. To the engine, a binary frame is keys; a text frame is JSON,
 * `{"type":"input","data":"…"}` (keys) or `{"type":"resize","rows":R,"cols":C}`.
 * Refused upgrades get an HTTP answer with the API's error body: 404 for an instance that
 * is not a terminal session running here, the guard's status otherwise.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import type { TerminalHub } from '../engine/terminal-hub.js';
import { isCorralError } from '../lib/errors.js';
import type { Refusal } from './tcp-guard.js';
import { endedFrame, frameBytes } from './terminal-frames.js';

/** The largest frame a viewer may send (a paste). */
const maxFrameBytes = 1024 * 1024;

const pathPattern = /^\/v1\/instances\/([^/?#]+)\/terminal(?:\?.*)?$/;

const controlFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input'), data: z.string() }),
  z.object({
    type: z.literal('resize'),
    rows: z.number().int().min(1).max(1000),
    cols: z.number().int().min(1).max(2000),
  }),
]);

export interface TerminalSocketOptions {
  /** The terminal of instance `ref` (id or name), or the reason there is none. */
  find(ref: string): Promise<TerminalHub | { status: number; message: string; hint?: string }>;
  /** Refuses what must not pass (TCP); absent: the socket's file mode is the guard. */
  check?: (header: (name: string) => string | undefined) => Refusal | undefined;
}

function refuse(socket: Duplex, status: number, error: object): void {
  const body = JSON.stringify({ error });
  const reason = {
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    421: 'Misdirected Request',
  };
  socket.end(
    `HTTP/1.1 ${status} ${reason[status as keyof typeof reason] ?? 'Error'}\r\n` +
      'content-type: application/json\r\nconnection: close\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function serveViewer(ws: WebSocket, hub: TerminalHub): void {
  let attachment: ReturnType<TerminalHub['attach']> | undefined;
  attachment = hub.attach({
    output: (bytes) => {
      if (ws.readyState === ws.OPEN) ws.send(bytes, { binary: true });
    },
    ended: () => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(endedFrame);
      ws.close(1000, 'the session ended');
    },
  });
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const bytes = frameBytes(data);
    if (isBinary) return attachment?.input(bytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      return ws.close(1003, 'frames are JSON or keys');
    }
    const frame = controlFrame.safeParse(parsed);
    if (!frame.success) return ws.close(1003, 'unknown frame');
    if (frame.data.type === 'input') attachment?.input(frame.data.data);
    else attachment?.resize({ rows: frame.data.rows, cols: frame.data.cols });
  });
  ws.on('close', () => {
    attachment?.detach();
    attachment = undefined;
  });
  ws.on('error', () => undefined);
}

/**
 * Takes `server`'s upgrade requests for terminals; any other upgrade is refused. Returns
 * what ends every attachment made through it (closing the server does not: an upgraded
 * connection is no longer the server's).
 */
export function serveTerminals(server: Server, options: TerminalSocketOptions): () => void {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const header = (name: string): string | undefined => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    };
    const refused = options.check?.(header);
    if (refused) return refuse(socket, refused.status, refused.error);
    const match = pathPattern.exec(req.url ?? '');
    if (!match?.[1]) {
      return refuse(socket, 404, { code: 'USAGE', message: 'Nothing to attach to here.' });
    }
    void options.find(decodeURIComponent(match[1])).then(
      (found) => {
        if (!('attach' in found)) {
          const { status, ...error } = found;
          return refuse(socket, status, { code: 'INSTANCE_NOT_RUNNING', ...error });
        }
        sockets.handleUpgrade(req, socket, head, (ws) => serveViewer(ws, found));
      },
      (error: unknown) =>
        refuse(socket, 404, {
          code: isCorralError(error) ? error.code : 'INSTANCE_NOT_FOUND',
          message: error instanceof Error ? error.message : String(error),
        }),
    );
  });
  return () => {
    for (const ws of sockets.clients) ws.terminate();
  };
}
