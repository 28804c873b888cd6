/**
 * Installs a real agent CLI from npm, at its pinned version, into a cache outside the
 * repository, once: `ensureAgentCli({ pkg: '@anthropic-ai/claude-code', version, bin:
 * 'claude' })` returns the directory holding its executable. The cache is
 * `$CORRAL_TEST_AGENT_CACHE`, else `/var/cache/corral-test-agents` when running as root
 * (the tests run the CLI as an unprivileged user, who cannot enter root's 0700 home),
 * else `${XDG_CACHE_HOME:-~/.cache}/corral-test-agents`. An install goes to a temporary
 * directory first and is renamed into place, so a half-finished one is never used.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface AgentCliSpec {
  pkg: string;
  version: string;
  /** The executable's name in `node_modules/.bin`. */
  bin: string;
}

const root = resolve(import.meta.dirname, '..', '..');

/** The version pinned for the sandbox image (`images/sandbox/agent-versions.json`). */
export function getPinnedVersion(pkg: string): string {
  const versions = JSON.parse(
    readFileSync(join(root, 'images', 'sandbox', 'agent-versions.json'), 'utf8'),
  ) as Record<string, string>;
  const version = versions[pkg];
  if (!version) throw new Error(`images/sandbox/agent-versions.json pins no version of ${pkg}`);
  return version;
}

export function getAgentCacheDir(): string {
  if (process.env.CORRAL_TEST_AGENT_CACHE) return process.env.CORRAL_TEST_AGENT_CACHE;
  if (process.getuid?.() === 0) return '/var/cache/corral-test-agents';
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'corral-test-agents');
}

function works(binPath: string): boolean {
  try {
    execFileSync(binPath, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** The directory holding the CLI's executable, installing it first if it is not cached. */
export async function ensureAgentCli(spec: AgentCliSpec): Promise<string> {
  const cache = getAgentCacheDir();
  const name = `${spec.pkg.split('/').at(-1) ?? spec.pkg}-${spec.version}`;
  const prefix = join(cache, name);
  const binDir = join(prefix, 'node_modules', '.bin');
  if (existsSync(join(binDir, spec.bin)) && works(join(binDir, spec.bin))) return binDir;

  await mkdir(cache, { recursive: true, mode: 0o755 });
  const staging = await mkdtemp(join(cache, `.${name}-`));
  try {
    await chmod(staging, 0o755);
    execFileSync(
      'npm',
      ['install', '--prefix', staging, '--no-audit', '--no-fund', `${spec.pkg}@${spec.version}`],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 },
    );
    const stagedBin = join(staging, 'node_modules', '.bin', spec.bin);
    // Claude Code's package swaps in its native binary from a postinstall script; an npm that
    // holds install scripts back leaves a placeholder, so run the script if needed.
    const pkgDir = join(staging, 'node_modules', ...spec.pkg.split('/'));
    if (!works(stagedBin) && existsSync(join(pkgDir, 'install.cjs'))) {
      execFileSync(process.execPath, ['install.cjs'], { cwd: pkgDir, stdio: 'ignore' });
    }
    if (!works(stagedBin)) {
      throw new Error(`${spec.pkg}@${spec.version} installed, but \`${spec.bin} --version\` fails`);
    }
    await rm(prefix, { recursive: true, force: true });
    await rename(staging, prefix);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return binDir;
}
