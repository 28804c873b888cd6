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
import { createApi } from '../server/api.js';
import { buildId } from './build-id.js';
import { createEngine } from './create-engine.js';
import { getEngineFiles, saveEngineInfo } from './engine-files.js';
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
let stopping = false;

const engine = createEngine({
  version: buildId(),
  socket: files.socket,
  inline: false,
  log,
  tcp: () => tcpAddress,
  onShutdown: (options) => shutdown(options.now),
});

const api = createApi({ engine: engine.service });
const server = createAdaptorServer({ fetch: api.fetch });
server.on('request', (_req, res) => {
  openRequests++;
  lastActivity = Date.now();
  res.once('close', () => {
    openRequests--;
    lastActivity = Date.now();
  });
});

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
  if (stopping) return;
  stopping = true;
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
    if (stopping || engine.host.size > 0 || openRequests > 0 || tcpAddress) return;
    if (Date.now() - lastActivity >= idleMs) void shutdown(true);
  },
  Math.min(5000, Math.max(100, idleMs / 4)),
).unref();
