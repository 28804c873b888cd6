/**
 * How a command gets its engine. Normally the engine of `$CORRAL_HOME`, reached over its
 * socket and started on demand: when none answers, this command starts one (detached, its
 * log in `run/engine.log`) and waits for it; two commands racing both start one, the lock
 * lets one win, and both talk to the winner. An engine of another build is never driven:
 * it is asked to leave (its runs go on, detached) and this build's engine takes them up,
 * which the command says. With `CORRAL_ENGINE=inline` (or a terminal session, `-i`, whose
 * terminal is this command's) the engine runs inside the command for that one run.
 *
 * The engine is started with a scrubbed environment: credentials reach it only inside the
 * requests that need them (`requestEnv`), never from its own environment.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { buildId, engineEntry } from '../engine/build-id.js';
import type { EngineApi } from '../engine/engine-api.js';
import { getEngineFiles, loadEngineInfo, type EngineFiles } from '../engine/engine-files.js';
import { CorralError } from '../lib/errors.js';
import { RemoteEngine } from './engine-client.js';
import { progress } from './output.js';

/** Variables the engine process may inherit: none of them a credential. */
const engineEnvAllowed = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'TERM',
  'TMPDIR',
  'TZ',
  'CORRAL_HOME',
  'CORRAL_ENGINE_IDLE_MS',
  'CORRAL_TRACE',
  'CORRAL_BACKEND',
  'DOCKER_HOST',
  'DOCKER_CONFIG',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  'XDG_RUNTIME_DIR',
  'NODE_EXTRA_CA_CERTS',
];

const startTimeoutMs = 30_000;

export function isInlineWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CORRAL_ENGINE === 'inline';
}

export async function connectEngine(
  home: string,
  options: { inline: boolean },
): Promise<EngineApi> {
  if (options.inline) return startInlineEngine();
  const files = getEngineFiles(home);
  const engine = new RemoteEngine({
    socket: files.socket,
    reconnect: () => ensureEngine(files).then(() => undefined),
    onNote: (line) => progress(line),
    trace: process.env.CORRAL_TRACE === '1',
  });
  await ensureEngine(files);
  return engine;
}

async function startInlineEngine(): Promise<EngineApi> {
  const { createEngine } = await import('../engine/create-engine.js');
  return createEngine({
    version: buildId(),
    socket: '(inline)',
    inline: true,
    log: (line) => progress(line),
  }).service;
}

/** An engine of this build answering on `files.socket`: the one there, or one started now. */
export async function ensureEngine(files: EngineFiles): Promise<void> {
  const probe = new RemoteEngine({ socket: files.socket, reconnect: () => Promise.resolve() });
  const running = await probe.status().catch(() => null);
  if (running && running.version === buildId()) return;
  if (running) {
    progress(
      `corral: the engine (pid ${running.pid}, build ${running.version}) is not this build's (${buildId()}); replacing it — its ${running.instances.length} run(s) go on under the new one`,
    );
    await probe.shutdown({ now: true }).catch(() => undefined);
    await waitUntil(async () => !(await probe.status().catch(() => null)), 10_000);
  }
  await startEngine(files);
  const ok = await waitUntil(async () => {
    const status = await probe.status().catch(() => null);
    return status !== null && status.version === buildId();
  }, startTimeoutMs);
  if (!ok) {
    const info = await loadEngineInfo(files);
    throw new CorralError(
      'BACKEND_UNAVAILABLE',
      `The corral engine did not start${info ? ` (pid ${info.pid} holds ${files.socket})` : ''}.`,
      { hint: `See ${files.log}; or run with CORRAL_ENGINE=inline.` },
    );
  }
}

async function startEngine(files: EngineFiles): Promise<void> {
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  const log = openSync(files.log, 'a', 0o600);
  try {
    const env = Object.fromEntries(
      engineEnvAllowed.flatMap((k) => (process.env[k] !== undefined ? [[k, process.env[k]]] : [])),
    );
    const child = spawn(process.execPath, [engineEntry], {
      detached: true,
      stdio: ['ignore', log, log],
      env,
    });
    child.on('error', () => undefined);
    child.unref();
  } finally {
    closeSync(log);
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 1.5, 250)) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, delay));
  }
  return check();
}

/**
 * What a request carries from the user's environment for an agent: the credentials and
 * endpoints its adapter names, the PATH its CLI is found on (local backend), and the few
 * settings a run takes from the environment.
 */
export function requestEnv(
  names: { credentials: readonly (readonly string[])[]; endpointVars: readonly string[] },
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const wanted = new Set([
    ...names.credentials.flat(),
    ...names.endpointVars,
    'PATH',
    'CORRAL_DOCKER_NETWORK',
    'npm_config_registry',
  ]);
  const out: Record<string, string> = {};
  for (const name of wanted) {
    const value = env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}
