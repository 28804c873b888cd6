/**
 * The local backend's keeper of keys: the model gateways the docker fence runs in its
 * sidecar, run here as a process of their own on the host (the sidecar's `gateway/main.js`,
 * listening on loopback only), one per instance, serving every API the agent uses. It is
 * started detached, like the agent's command, so that an engine killed meanwhile takes
 * neither the agent's model access nor its key along; the engine that takes the run up
 * finds it by its record and ends it with the run. The key reaches it on stdin, never on a
 * command line, in its environment or in a file; it says its ports in the line it prints
 * when ready (host-gateway.out in the state dir, which the sandbox cannot read). Each call
 * it forwards is metered into usage.log and held to the instance's model policy and budget
 * like the sidecar's (one spend for all its APIs).
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CorralError } from '../lib/errors.js';
import type { ModelPolicy, ModelSpent } from '../protocol/model-policy.js';
import type { PriceTable } from '../gateway/usage-cost.js';
import {
  getProcessRef,
  isSupervisorAlive,
  type InstancePaths,
  type SupervisorRef,
} from '../state/index.js';
import type { ModelRoute } from './fence-launch.js';

/** The sidecar's entry point, as built (dist/gateway/main.js beside dist/orchestrator/). */
const gatewayMain = fileURLToPath(new URL('../gateway/main.js', import.meta.url)).replace(
  /\/src\/gateway\/main\.js$/,
  '/dist/gateway/main.js',
);

const readyTimeoutMs = 15_000;
const keyName = 'CORRAL_MODEL_KEY';
/** The config it is started with, in the instance's state dir: also how it is found again. */
const configName = 'host-gateway.json';

export interface HostGatewayProcess {
  /** The agent's endpoint variables, pointing at the gateways. */
  endpoints: Record<string, string>;
  /** The process, for whoever ends it (this engine or the next). */
  ref: SupervisorRef;
}

export async function startHostGatewayProcess(options: {
  routes: ModelRoute[];
  /** The real key of the agent's credential (one key serves its one API). */
  key: string;
  paths: InstancePaths;
  prices?: PriceTable;
  policy: ModelPolicy;
  spent: ModelSpent;
}): Promise<HostGatewayProcess> {
  const { paths, routes } = options;
  const files = {
    config: join(paths.dir, configName),
    // Its own egress proxy is never used (the sandbox reaches only the model ports): it
    // allows nothing.
    policy: join(paths.dir, 'host-gateway-policy.json'),
    out: join(paths.dir, 'host-gateway.out'),
    log: join(paths.dir, 'host-gateway.log'),
  };
  await writeFile(files.policy, '{ "allow": [] }\n', { mode: 0o600 });
  const config = {
    listenHost: '127.0.0.1',
    egress: { port: 0, policyPath: files.policy, watch: false, pollMs: 60_000 },
    models: routes.map((r) => ({
      api: r.api,
      port: 0,
      upstream: r.upstream,
      keyEnv: keyName,
      pathPrefix: r.path,
    })),
    usageLogPath: paths.usageLog,
    keysFrom: 'stdin',
    modelPolicy: options.policy,
    spent: options.spent,
    ...(options.prices ? { prices: options.prices } : {}),
  };
  await writeFile(files.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  const out = openSync(files.out, 'w', 0o600);
  const log = openSync(files.log, 'a', 0o600);
  let child;
  try {
    child = spawn(process.execPath, [gatewayMain, files.config], {
      detached: true,
      stdio: ['pipe', out, log],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
  } finally {
    closeSync(out);
    closeSync(log);
  }
  // A gateway that dies at once is found by waitReady; its closed stdin must not throw here.
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(JSON.stringify({ [keyName]: options.key }));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new CorralError('INTERNAL', 'The model gateway did not start.');
  const ref = getProcessRef(pid);
  const ports = await waitReady(files, ref);
  const endpoints: Record<string, string> = {};
  routes.forEach((route, i) => {
    endpoints[route.endpointVar] = `http://127.0.0.1:${ports[i]}${route.path}`;
  });
  return { endpoints, ref };
}

async function waitReady(
  files: { out: string; log: string },
  ref: SupervisorRef,
): Promise<number[]> {
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const text = await readFile(files.out, 'utf8').catch(() => '');
    // Only a whole line: it may be read while it is being written.
    const end = text.indexOf('\n');
    if (end > 0) {
      const ready = JSON.parse(text.slice(0, end)) as {
        ready?: boolean;
        models?: Array<{ port: number }>;
      };
      if (ready.ready) return (ready.models ?? []).map((m) => m.port);
    }
    if (!isSupervisorAlive(ref) || Date.now() > deadline) {
      await stopHostGatewayProcess(ref);
      const said = (await readFile(files.log, 'utf8').catch(() => '')).trim().split('\n').at(-1);
      throw new CorralError(
        'INTERNAL',
        `The model gateway on the host did not start: ${said || 'no word'}.`,
      );
    }
    await delay(25);
  }
}

/** Ends the gateway process (SIGTERM, SIGKILL after 5 s); nothing when it is gone. */
export async function stopHostGatewayProcess(ref: SupervisorRef): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    if (!isSupervisorAlive(ref)) return false;
    try {
      process.kill(ref.pid, name);
      return true;
    } catch {
      return false;
    }
  };
  if (!signal('SIGTERM')) return;
  for (let i = 0; i < 100; i++) {
    if (!isSupervisorAlive(ref)) return;
    await delay(50);
  }
  signal('SIGKILL');
}

/**
 * The host gateway processes serving instances of `home` (Linux, from /proc): each found by
 * the config it was started with, `<home>/instances/<id>/host-gateway.json`, and how long
 * ago that was written (just before the start; null when it cannot be read). For `corral gc`: one whose run does
 * not name it (an engine killed between starting it and recording it) serves nobody and
 * holds a key.
 */
export async function listHostGatewayProcesses(
  home: string,
): Promise<Array<{ instanceId: string; ref: SupervisorRef; ageMs: number | null }>> {
  const prefix = `${home}/instances/`;
  const suffix = `/${configName}`;
  const found: Array<{ instanceId: string; ref: SupervisorRef; ageMs: number | null }> = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    const config = cmdline
      .split('\0')
      .find((arg) => arg.startsWith(prefix) && arg.endsWith(suffix));
    const instanceId = config?.slice(prefix.length, -suffix.length);
    if (!config || !instanceId || instanceId.includes('/')) continue;
    const ref = getProcessRef(Number(name));
    if (!isSupervisorAlive(ref)) continue;
    const written = await stat(config).catch(() => null);
    found.push({ instanceId, ref, ageMs: written ? Date.now() - written.mtimeMs : null });
  }
  return found;
}
