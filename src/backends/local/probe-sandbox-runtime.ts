/**
 * Whether this host can run local sandboxes: Linux, the three programs sandbox-runtime
 * shells out to (bubblewrap, socat, ripgrep), and a trial `srt … -- true` behind a real
 * fence, which is what catches the failures a PATH check cannot (user namespaces switched
 * off, an AppArmor restriction, a fence that hides something srt needs).
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  return {
    available: true,
    detail: `${lastLine(bwrap.stdout) || 'bubblewrap'}, sandbox-runtime ${runtime.version}`,
  };
}
