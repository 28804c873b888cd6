/**
 * Helpers for tests of the engine: find the engine processes of a home (by their
 * environment in /proc, not by what they say of themselves), kill one the hard way, and
 * read an instance's events over the engine's socket as a raw SSE client would.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { waitFor } from './cli.js';

/**
 * Pids of live (not zombie) processes whose command line `matches`; `environ` reads the
 * process's environment when the command line alone does not tell. A child between its
 * fork and its exec still shows its parent's command line and environment: one whose
 * parent matches too is that, not a process of its own (an engine spawning git was once
 * counted as a second engine).
 */
export function findProcesses(
  matches: (cmdline: string[], environ: () => string[]) => boolean,
): number[] {
  const found = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const environ = () => readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      if (!matches(cmdline, environ)) continue;
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const state = /^State:\s+(\S)/m.exec(status)?.[1];
      const parent = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      if (state !== 'Z') found.set(Number(name), parent);
    } catch {
      // gone meanwhile
    }
  }
  return [...found].filter(([, parent]) => !found.has(parent)).map(([pid]) => pid);
}

/** Pids of live engine processes (`…/engine/engine-main.js`) whose CORRAL_HOME is `home`. */
export function findEngines(home: string): number[] {
  return findProcesses(
    (cmdline, environ) =>
      cmdline.some((a) => a.endsWith('/engine/engine-main.js')) &&
      environ().includes(`CORRAL_HOME=${home}`),
  );
}

export function killEngines(home: string): number[] {
  const pids = findEngines(home);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}

/** Kills the home's engines the hard way and waits until none is left; returns their pids. */
export async function killEnginesAndWait(home: string): Promise<number[]> {
  const pids = killEngines(home);
  await waitFor('the engine gone', () =>
    Promise.resolve(findEngines(home).length === 0 ? true : undefined),
  );
  return pids;
}

export function engineSocket(home: string): string {
  return join(home, 'run', 'engine.sock');
}

export interface SseMessage {
  event: string;
  id: string | undefined;
  data: string;
}

/**
 * Opens an SSE stream on the engine's socket. `onMessage` gets each message; returns the
 * request (destroy it to drop the connection) and a promise for the response's end.
 */
export function openSse(
  home: string,
  path: string,
  headers: Record<string, string>,
  onMessage: (message: SseMessage) => void,
): { req: ClientRequest; response: Promise<IncomingMessage>; ended: Promise<void> } {
  let resolveResponse!: (res: IncomingMessage) => void;
  const response = new Promise<IncomingMessage>((r) => (resolveResponse = r));
  let resolveEnded!: () => void;
  const ended = new Promise<void>((r) => (resolveEnded = r));
  const req = request(
    { socketPath: engineSocket(home), path, headers: { accept: 'text/event-stream', ...headers } },
    (res) => {
      resolveResponse(res);
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        buffer += text;
        for (;;) {
          const cut = buffer.indexOf('\n\n');
          if (cut < 0) break;
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const message: SseMessage = { event: 'message', id: undefined, data: '' };
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'event') message.event = value;
            else if (field === 'id') message.id = value;
            else if (field === 'data') message.data += value;
          }
          onMessage(message);
        }
      });
      res.on('end', () => resolveEnded());
      res.on('close', () => resolveEnded());
    },
  );
  req.on('error', () => resolveEnded());
  req.end();
  return { req, response, ended };
}
