/**
 * Whether this host can run local sandboxes: Linux, the three programs sandbox-runtime
 * shells out to (bubblewrap, socat, ripgrep), and a trial `srt … -- true` behind a real
 * fence, which is what catches the failures a PATH check cannot (user namespaces switched
 * off, an AppArmor restriction, a fence that hides something srt needs).
 */
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Probe } from '../backend.js';
import { commandExists, exec } from '../../lib/exec.js';
import { buildFence } from './fence.js';
import type { SandboxRuntime } from './sandbox-runtime.js';
import { isSetupFailure, setupAttempts, setupRetryDelayMs } from './setup-failure.js';

const installFix = 'sudo apt-get install -y bubblewrap socat ripgrep';
const trialTimeoutMs = 30_000;

const tools = [
  { command: 'bwrap', name: 'bubblewrap (bwrap)' },
  { command: 'socat', name: 'socat' },
  { command: 'rg', name: 'ripgrep (rg)' },
];

function listed(names: string[]): string {
  return names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

/** Runs `srt -- true` behind the fence a sandbox would get, from a scratch workspace. */
async function tryTrialRun(runtime: SandboxRuntime, home: string): Promise<string | null> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-probe-'));
  try {
    const workspace = join(dir, 'workspace');
    await mkdir(workspace);
    const fence = await buildFence({
      workspaceDir: await realpath(workspace),
      home,
      vendorDir: runtime.vendorDir,
    });
    const settings = join(dir, 'srt-settings.json');
    await writeFile(settings, JSON.stringify(fence));
    const signal = AbortSignal.timeout(trialTimeoutMs);
    for (let attempt = 1; ; attempt++) {
      const r = await exec(process.execPath, [runtime.cli, '--settings', settings, '--', 'true'], {
        cwd: workspace,
        // srt's own files (a socket it never removes) go to the scratch dir, not /tmp.
        env: {
          PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
          HOME: workspace,
          TMPDIR: dir,
        },
        allowFailure: true,
        signal,
      });
      if (r.exitCode === 0) return null;
      if (attempt >= setupAttempts || !isSetupFailure(r)) {
        return lastLine(r.stderr) || `exit code ${r.exitCode}`;
      }
      await sleep(setupRetryDelayMs);
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function probeSandboxRuntime(runtime: SandboxRuntime, home: string): Promise<Probe> {
  if (process.platform !== 'linux') {
    return {
      available: false,
      detail: `the local backend fences with bubblewrap, which needs Linux (this is ${process.platform})`,
    };
  }
  const present = await Promise.all(tools.map((t) => commandExists(t.command)));
  const missing = tools.filter((_, i) => !present[i]).map((t) => t.name);
  if (missing.length > 0) {
    const verb = missing.length === 1 ? 'is' : 'are';
    return {
      available: false,
      detail: `${listed(missing)} ${verb} not installed`,
      fix: installFix,
    };
  }
  const cacheKey = `${runtime.version}|${process.version}|${process.env.PATH ?? ''}`;
  const cached = await loadProbeCache(home, cacheKey);
  if (cached) return { available: true, detail: cached };
  const failure = await tryTrialRun(runtime, home);
  if (failure !== null) {
    // The usual cause on Ubuntu 24.04+: unprivileged user namespaces restricted by AppArmor.
    const userns = /uid map|user namespace|Operation not permitted|setting up uid/i.test(failure);
    return {
      available: false,
      detail: `sandbox-runtime could not start a sandbox: ${failure}`,
      ...(userns ? { fix: 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' } : {}),
    };
  }
  const bwrap = await exec('bwrap', ['--version'], { allowFailure: true });
  const detail = `${lastLine(bwrap.stdout) || 'bubblewrap'}, sandbox-runtime ${runtime.version}`;
  await saveProbeCache(home, cacheKey, detail);
  return { available: true, detail };
}

/**
 * A trial sandbox costs ≈0.3 s, too much to pay on every `corral run`: a success is
 * remembered for a day in the state dir, keyed by the runtime, Node and PATH. The cheap
 * checks above (the programs are there) still run every time.
 */
const probeCacheTtlMs = 24 * 3_600_000;

function probeCachePath(home: string): string {
  return join(home, 'run', 'local', 'probe.json');
}

async function loadProbeCache(home: string, key: string): Promise<string | undefined> {
  try {
    const cache = JSON.parse(await readFile(probeCachePath(home), 'utf8')) as {
      key?: string;
      at?: number;
      detail?: string;
    };
    if (
      cache.key !== key ||
      typeof cache.at !== 'number' ||
      Date.now() - cache.at > probeCacheTtlMs
    )
      return undefined;
    return typeof cache.detail === 'string' ? cache.detail : undefined;
  } catch {
    return undefined;
  }
}

async function saveProbeCache(home: string, key: string, detail: string): Promise<void> {
  try {
    await mkdir(dirname(probeCachePath(home)), { recursive: true });
    await writeFile(probeCachePath(home), JSON.stringify({ key, at: Date.now(), detail }));
  } catch {
    // A cache that cannot be written only costs the next probe a trial run.
  }
}
