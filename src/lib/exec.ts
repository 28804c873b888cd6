/**
 * Runs a subprocess to completion and captures its output. A failure carries its
 * evidence: the command, exit code or signal, duration and the last lines of stderr.
 * Honors an AbortSignal: on abort the process gets SIGTERM, then SIGKILL after a grace
 * period, and the promise rejects with the abort reason.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  signal?: AbortSignal;
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
  killGraceMs?: number;
}

export interface ExecResult {
  command: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export class ExecFailure extends Error {
  readonly result: ExecResult;
  constructor(result: ExecResult) {
    const tail = result.stderr.trim().split('\n').slice(-5).join('\n');
    const how = result.signal ? `signal ${result.signal}` : `exit code ${result.exitCode}`;
    super(
      `${result.command.join(' ')} failed with ${how} after ${result.durationMs}ms${tail ? `:\n${tail}` : ''}`,
    );
    this.name = 'ExecFailure';
    this.result = result;
  }
}

export function exec(
  file: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const started = Date.now();
  const command = [file, ...args];
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');

    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? 2000);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      const result: ExecResult = {
        command,
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: Date.now() - started,
      };
      if (options.signal?.aborted) return reject(options.signal.reason as Error);
      if (exitCode !== 0 && !options.allowFailure) return reject(new ExecFailure(result));
      resolve(result);
    });
  });
}

/** The path `file` runs from: itself when it has a slash, else the first executable on PATH. */
export async function findCommand(file: string): Promise<string | undefined> {
  const candidates = file.includes('/')
    ? [file]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, file));
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** True when `file` is an executable on PATH (or an executable path). Looked up in-process. */
export async function commandExists(file: string): Promise<boolean> {
  return (await findCommand(file)) !== undefined;
}
