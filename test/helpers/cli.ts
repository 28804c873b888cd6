/**
 * Runs the built `corral` CLI (dist/cli/main.js, built by the global setup) as a real
 * subprocess, with its own CORRAL_HOME, and returns what a user would see.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const cliPath = resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json<T = Record<string, unknown>>(): T;
}

/** What a finished corral process gave: its exit code, output, and stdout read as JSON. */
export function toCliResult(code: number | null, stdout: string, stderr: string): CliResult {
  return {
    code,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`stdout is not JSON:\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Leave stdin open for the test to write (through `onSpawn`'s child) and end. */
  stdinOpen?: boolean;
  timeoutMs?: number;
  /** Another build of the CLI to run (a copy of the package); default: this one's. */
  cliPath?: string;
  /** Called once the process is spawned (to signal it, say). */
  onSpawn?: (child: ChildProcess) => void;
}

export async function makeHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'corral-home-'));
}

export function corral(home: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [options.cliPath ?? cliPath, ...args], {
      cwd: options.cwd ?? process.cwd(),
      // An engine a test started leaves soon after the test stops talking to it.
      env: { ...process.env, CORRAL_HOME: home, CORRAL_ENGINE_IDLE_MS: '5000', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    if (!options.stdinOpen) child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `corral ${args.join(' ')} did not finish in ${options.timeoutMs ?? 120_000}ms\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 120_000);
    options.onSpawn?.(child);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise(toCliResult(code, stdout, stderr));
    });
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The events of instance `id`, as its events.ndjson holds them. */
export async function readEvents<T = Record<string, unknown>>(
  home: string,
  id: string,
): Promise<T[]> {
  return (await readFile(join(home, 'instances', id, 'events.ndjson'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}

/** Waits until instance `id` has ended (neither created nor running); returns its status. */
export function waitForEnd(home: string, id: string, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    `${id} to end`,
    async () => {
      const ls = await corral(home, ['ls', '--json']);
      const m = ls
        .json<{ instances: Array<{ id: string; status: string }> }>()
        .instances.find((i) => i.id === id);
      return m && m.status !== 'running' && m.status !== 'created' ? m.status : undefined;
    },
    timeoutMs,
  );
}
