/**
 * The engine process: one per `$CORRAL_HOME`, started on demand by the first command that
 * needs it (cli/engine-connect.ts), gone by itself after a quiet period with nothing to do.
 * It takes the engine lock (or leaves quietly: another engine won the race), listens on
 * `$CORRAL_HOME/run/engine.sock` (mode 0600), writes `run/engine.json`, takes up every run
 * whose supervisor died, and serves the API. Credentials come only with the requests that
 * need them; the command that started the engine gave it an environment without them.
 *
 * `SIGTERM` (or `POST /v1/engine/stop`) stops it: at once, leaving its runs going (they are
 * detached and the next engine takes them up), or, not at once, after its runs ended.
 */
import { mkdir, rm, chmod } from 'node:fs/promises';
import { createAdaptorServer } from '@hono/node-server';
import { getCorralHome } from '../state/index.js';
import { getCurrentSupervisor } from '../state/supervisor-process.js';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { CorralError } from '../lib/errors.js';
import { createApi, type ServeSession } from '../server/api.js';
import { withNoteStream } from '../server/note-stream.js';
import { createTcpApp } from '../server/tcp-app.js';
import { tcpCheck, tcpGuard } from '../server/tcp-guard.js';
import { serveTerminals, type TerminalSocketOptions } from '../server/terminal-socket.js';
import { loadWebAssets } from '../server/web-assets.js';
import { buildId } from './build-id.js';
import { createEngine } from './create-engine.js';
import { getEngineFiles, saveEngineInfo } from './engine-files.js';
import type { RequestEnv } from './engine-api.js';
import { tryEngineLock } from './engine-lock.js';

const home = getCorralHome();
const files = getEngineFiles(home);
const idleMs = Number(process.env.CORRAL_ENGINE_IDLE_MS ?? 120_000);
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

await mkdir(files.dir, { recursive: true, mode: 0o700 });
const lock = await tryEngineLock(home);
if (!lock) {
  log('another engine holds this home; leaving');
  process.exit(0);
}

let lastActivity = Date.now();
let openRequests = 0;
let tcpAddress: string | null = null;
/** How the engine is leaving, once asked: at once, or once its runs ended. */
let stopping: 'now' | 'idle' | null = null;

const engine = createEngine({
  version: buildId(),
  socket: files.socket,
  inline: false,
  log,
  tcp: () => tcpAddress,
  onShutdown: (options) => shutdown(options.now),
});

const api = createApi({ engine: engine.service, serve: startServing });

/** The dashboard's build, beside the engine's in dist/ (dist/web). */
const webDir = fileURLToPath(new URL('../web', import.meta.url));

/** The API and the dashboard on TCP for `corral serve`, behind a token; one session at a time. */
async function startServing(options: {
  host: string;
  port: number;
  token?: string;
  env: RequestEnv;
}): Promise<ServeSession> {
  if (tcpAddress) {
    throw new CorralError('INSTANCE_RUNNING', `The engine already serves ${tcpAddress}.`, {
      hint: 'Stop that corral serve first.',
    });
  }
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(options.host);
  if (!loopback && !options.token) {
    throw new CorralError(
      'USAGE',
      `Serving on ${options.host} would open the API beyond this machine without a password.`,
      { hint: 'Pass --token <a long secret>, or serve on 127.0.0.1.' },
    );
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  const names = loopback ? ['127.0.0.1', 'localhost'] : [options.host];
  // The Host header must name the port really served (known once listening, for --port 0).
  let guard: ReturnType<typeof tcpGuard> = (c) =>
    c.json({ error: { code: 'USAGE', message: 'Not serving yet.' } }, 503);
  const tcpApp = createTcpApp({
    engine: engine.service,
    assets: await loadWebAssets(webDir),
    guard: (c, isAsset) => guard(c, isAsset),
    token: () => token,
    // In memory while serving only: the session's end drops it with the app.
    lentEnv: () => options.env,
  });
  const tcp = createAdaptorServer({ fetch: tcpApp.fetch }) as HttpServer;
  let check: NonNullable<TerminalSocketOptions['check']> = () => ({
    status: 421,
    error: { code: 'USAGE', message: 'Not serving yet.' },
  });
  const endAttachments = serveTerminals(tcp, {
    find: (ref) => engine.service.findTerminal(ref),
    check: (h) => check(h),
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new CorralError('USAGE', `Port ${options.port} is in use.`, {
              hint: 'Pick another with --port.',
            })
          : error,
      ),
    );
    tcp.listen(options.port, options.host, () => resolve());
  });
  const port = (tcp.address() as { port: number }).port;
  const allowed = { token, hosts: names.map((n) => `${n}:${port}`) };
  guard = tcpGuard(allowed);
  check = tcpCheck(allowed);
  tcpAddress = `http://${loopback ? '127.0.0.1' : options.host}:${port}`;
  log(`serving the API on ${tcpAddress}`);
  return {
    url: tcpAddress,
    token,
    close: async () => {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      tcp.closeAllConnections();
      endAttachments();
      await closed;
      tcpAddress = null;
      log('stopped serving on TCP');
    },
  };
}
const server = createAdaptorServer({ fetch: withNoteStream(api.fetch, log) }) as HttpServer;
serveTerminals(server, { find: (ref) => engine.service.findTerminal(ref) });
server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
  openRequests++;
  lastActivity = Date.now();
  res.once('close', () => {
    openRequests--;
    lastActivity = Date.now();
  });
});

// Battles a killed engine drove are marked interrupted before anyone can ask about them.
const orphaned = await engine.battles.interruptOrphans().catch((error: unknown) => {
  log(`battles not checked: ${error instanceof Error ? error.message : String(error)}`);
  return [];
});
if (orphaned.length) log(`battle(s) without a driver, now interrupted: ${orphaned.join(', ')}`);

// Only the lock holder touches the socket file, so a leftover one is ours to replace.
await rm(files.socket, { force: true });
const previousUmask = process.umask(0o177);
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(files.socket, () => resolve());
});
process.umask(previousUmask);
await chmod(files.socket, 0o600);

await saveEngineInfo(files, {
  ...getCurrentSupervisor(),
  version: buildId(),
  startedAt: new Date().toISOString(),
  socket: files.socket,
  tcp: null,
});
log(`engine ${process.pid} (${buildId()}) listening on ${files.socket}`);

const adopted = await engine.service.adoptOrphans();
if (adopted.length) log(`took up ${adopted.length} run(s): ${adopted.join(', ')}`);

async function shutdown(now: boolean): Promise<void> {
  // Asked to leave now while waiting for the runs to end: now wins.
  if (stopping === 'now' || (stopping && !now)) return;
  stopping = now ? 'now' : 'idle';
  log(now ? 'stopping now; runs go on without an engine' : 'stopping once the runs ended');
  if (!now) await engine.host.whenIdle();
  server.close();
  await rm(files.socket, { force: true });
  await rm(files.info, { force: true });
  await lock?.release();
  process.exit(0);
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(true));
}

// Gone by itself after a quiet period: nothing hosted, nobody connected, nobody serving.
setInterval(
  () => {
    if (
      stopping ||
      engine.host.size > 0 ||
      engine.battles.size > 0 ||
      openRequests > 0 ||
      tcpAddress
    )
      return;
    if (Date.now() - lastActivity >= idleMs) void shutdown(true);
  },
  Math.min(5000, Math.max(100, idleMs / 4)),
).unref();
