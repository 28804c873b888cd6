/**
 * Whether this host can run local sandboxes: Linux, the programs sandbox-runtime shells
 * out to (bubblewrap 0.8 or newer, whose --disable-userns the inner fence needs, socat,
 * ripgrep), as root those that drop to the sandbox's own uid (util-linux's unshare and
 * setpriv, mount), and a trial sandbox (a real one, started the way every sandbox is,
 * running `true`), which is what catches the failures a PATH check cannot (user namespaces
 * switched off, an AppArmor restriction, a fence that hides something srt needs). The
 * trial also tells which limits the host enforces, and how.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Probe } from '../backend.js';
import { commandExists, exec } from '../../lib/exec.js';
import { EnforcedLimits } from '../../state/index.js';
import type { SandboxRuntime } from './sandbox-runtime.js';
import { needsSandboxUser } from './sandbox-user.js';

const installFix = 'sudo apt-get install -y bubblewrap socat ripgrep';
const rootFix = 'sudo apt-get install -y util-linux mount';
/** The first bubblewrap with --disable-userns. */
const minBwrap = [0, 8, 0];

const tools = [
  { command: 'bwrap', name: 'bubblewrap (bwrap)' },
  { command: 'socat', name: 'socat' },
  { command: 'rg', name: 'ripgrep (rg)' },
];
const rootTools = [
  { command: 'unshare', name: 'unshare' },
  { command: 'setpriv', name: 'setpriv' },
  { command: 'mount', name: 'mount' },
];

/** What a trial sandbox gave: null when it ran `true`, else the last line of its error. */
export interface TrialResult {
  failure: string | null;
  limits?: EnforcedLimits;
}

function listed(names: string[]): string {
  return names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

async function missingTools(list: typeof tools): Promise<string[]> {
  const present = await Promise.all(list.map((t) => commandExists(t.command)));
  return list.filter((_, i) => !present[i]).map((t) => t.name);
}

/** `bubblewrap 0.8.0` → [0, 8, 0]; undefined when it says nothing readable. */
export function parseBwrapVersion(text: string): number[] | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

function isAtLeast(version: number[], min: number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const a = version[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

export async function probeSandboxRuntime(
  runtime: SandboxRuntime,
  home: string,
  trial: () => Promise<TrialResult>,
): Promise<Probe> {
  if (process.platform !== 'linux') {
    return {
      available: false,
      detail: `the local backend fences with bubblewrap, which needs Linux (this is ${process.platform})`,
    };
  }
  const missing = await missingTools(tools);
  if (missing.length > 0) {
    const verb = missing.length === 1 ? 'is' : 'are';
    return {
      available: false,
      detail: `${listed(missing)} ${verb} not installed`,
      fix: installFix,
    };
  }
  const root = needsSandboxUser();
  const missingRoot = root ? await missingTools(rootTools) : [];
  if (missingRoot.length > 0) {
    return {
      available: false,
      detail: `as root, sandboxes run as a user of their own, which needs ${listed(missingRoot)}`,
      fix: rootFix,
    };
  }
  const bwrapLine = lastLine((await exec('bwrap', ['--version'], { allowFailure: true })).stdout);
  const bwrapVersion = parseBwrapVersion(bwrapLine);
  if (!bwrapVersion || !isAtLeast(bwrapVersion, minBwrap)) {
    return {
      available: false,
      detail: `${bwrapLine || 'bubblewrap'} is too old: the sandbox needs 0.8.0 or newer (--disable-userns)`,
      fix: 'install bubblewrap 0.8.0 or newer (Debian 12, Ubuntu 24.04 and later ship it)',
    };
  }
  const cacheKey = `${runtime.version}|${process.version}|${process.env.PATH ?? ''}|${root}`;
  const cached = await loadProbeCache(home, cacheKey);
  if (cached) return cached;
  const result = await trial().catch((error: unknown): TrialResult => ({
    failure: error instanceof Error ? error.message : String(error),
  }));
  if (result.failure !== null && /^unshare: /.test(result.failure)) {
    // As root in a container without CAP_SYS_ADMIN: no mount namespace for the drop to a uid.
    return {
      available: false,
      detail: `as root, sandboxes run as a uid of their own in a mount namespace corral could not make (${result.failure})`,
      fix: 'run corral as a normal user, or give it CAP_SYS_ADMIN (a privileged container)',
    };
  }
  if (result.failure !== null) {
    // The usual cause on Ubuntu 24.04+: unprivileged user namespaces restricted by AppArmor.
    const userns = /uid map|user namespace|Operation not permitted|setting up uid/i.test(
      result.failure,
    );
    return {
      available: false,
      detail: `sandbox-runtime could not start a sandbox: ${result.failure}`,
      ...(userns ? { fix: 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' } : {}),
    };
  }
  const who = root ? 'commands run as a uid of their own' : 'commands run as you';
  const probe: Probe = {
    available: true,
    detail: `${bwrapLine}, sandbox-runtime ${runtime.version}; ${who}, without capabilities`,
    ...(result.limits ? { limits: result.limits } : {}),
  };
  await saveProbeCache(home, cacheKey, probe);
  return probe;
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

async function loadProbeCache(home: string, key: string): Promise<Probe | undefined> {
  try {
    const cache = JSON.parse(await readFile(probeCachePath(home), 'utf8')) as {
      key?: string;
      at?: number;
      detail?: string;
      limits?: unknown;
    };
    if (
      cache.key !== key ||
      typeof cache.at !== 'number' ||
      Date.now() - cache.at > probeCacheTtlMs ||
      typeof cache.detail !== 'string'
    )
      return undefined;
    return {
      available: true,
      detail: cache.detail,
      ...(EnforcedLimits.safeParse(cache.limits).success
        ? { limits: EnforcedLimits.parse(cache.limits) }
        : {}),
    };
  } catch {
    return undefined;
  }
}

async function saveProbeCache(home: string, key: string, probe: Probe): Promise<void> {
  try {
    await mkdir(dirname(probeCachePath(home)), { recursive: true });
    await writeFile(
      probeCachePath(home),
      JSON.stringify({ key, at: Date.now(), detail: probe.detail, limits: probe.limits }),
    );
  } catch {
    // A cache that cannot be written only costs the next probe a trial run.
  }
}
