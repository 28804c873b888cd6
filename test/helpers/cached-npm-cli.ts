/**
 * Installs an agent CLI from npm, at a pinned version, into a cache outside the repository
 * the first time a test needs it, and returns the folder holding its executables. Later
 * runs reuse it. The install goes to a temporary folder first and is renamed into place, so
 * an interrupted install never leaves a half-filled cache behind.
 *
 * The cache is `$CORRAL_TEST_AGENTS_DIR`, else `~/.cache/corral-test-agents` — except for
 * root, whose home other users usually cannot enter: there it is
 * `/var/cache/corral-test-agents`, so tests can run the CLI as an unprivileged user.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function agentCacheDir(): string {
  if (process.env.CORRAL_TEST_AGENTS_DIR) return process.env.CORRAL_TEST_AGENTS_DIR;
  if (process.getuid?.() === 0) return '/var/cache/corral-test-agents';
  return join(homedir(), '.cache', 'corral-test-agents');
}

/**
 * @example
 *   const bin = await ensureNpmCli('@openai/codex', '0.169.0', 'codex');
 *   // `${bin}/codex` runs it
 */
export async function ensureNpmCli(pkg: string, version: string, bin: string): Promise<string> {
  const name = `${pkg.replace(/^@/, '').replace(/\//g, '-')}-${version}`;
  const dir = join(agentCacheDir(), name);
  const binDir = join(dir, 'node_modules', '.bin');
  if (existsSync(join(binDir, bin))) return binDir;

  await mkdir(agentCacheDir(), { recursive: true });
  const staging = `${dir}.installing-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    await run(
      'npm',
      ['install', '--prefix', staging, '--no-audit', '--no-fund', `${pkg}@${version}`],
      { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(
      `Could not install ${pkg}@${version} from npm into ${dir} (the test needs the real CLI):\n${stderr}`,
    );
  }
  if (existsSync(join(binDir, bin))) await rm(staging, { recursive: true, force: true });
  else await rename(staging, dir);
  if (!existsSync(join(binDir, bin)))
    throw new Error(`${pkg}@${version} installed into ${dir} but has no ${bin} executable.`);
  return binDir;
}
