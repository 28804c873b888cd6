/**
 * Runs the built `corral` CLI as an unprivileged user (when the tests run as root, as CI
 * does): a normal user's corral, with its own HOME, CORRAL_HOME and repository, none of
 * root's groups and nothing of root's environment. If that user cannot read the checkout
 * (a clone under /root), the CLI is run from a copy of `dist/`, `package.json` and
 * `node_modules` (hardlinked where the filesystem allows) in a directory it can read.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { cliPath, toCliResult, type CliResult } from './cli.js';

const run = promisify(execFile);

export interface TestUser {
  uid: number;
  gid: number;
}

/** The unprivileged user of these tests (Debian's `nobody`). */
export const testUser: TestUser = { uid: 65534, gid: 65534 };

/** Hands `paths` (recursively) to `user`. */
export function giveTo(user: TestUser, ...paths: string[]): void {
  execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, ...paths]);
}

let readableCli: Promise<string> | undefined;

async function canRead(user: TestUser, cli: string): Promise<boolean> {
  const probe = `require(${JSON.stringify(cli)}.replace(/dist\\/cli\\/main\\.js$/, 'package.json'));
    require.resolve('@anthropic-ai/sandbox-runtime/package.json', { paths: [${JSON.stringify(dirname(cli))}] })`;
  return run(process.execPath, ['-e', probe], { uid: user.uid, gid: user.gid }).then(
    () => true,
    () => false,
  );
}

/** The built CLI's entry point as `user` can run it. */
export function getCliFor(user: TestUser): Promise<string> {
  readableCli ??= (async () => {
    if (await canRead(user, cliPath)) return cliPath;
    const root = join(dirname(cliPath), '..', '..');
    const copy = await mkdtemp(join(tmpdir(), 'corral-cli-copy-'));
    await chmod(copy, 0o755);
    const parts = ['dist', 'package.json', 'node_modules'].map((p) => join(root, p));
    await run('cp', ['-al', ...parts, copy]).catch(() => run('cp', ['-a', ...parts, copy]));
    const cli = join(copy, 'dist', 'cli', 'main.js');
    if (!(await canRead(user, cli))) {
      throw new Error(`uid ${user.uid} cannot read the built CLI, even copied to ${copy}.`);
    }
    return cli;
  })();
  return readableCli;
}

export interface UserCliOptions {
  cwd: string;
  /** The user's HOME (corral's state root is `<home>/.corral` unless `env` says otherwise). */
  home: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs `corral <args>` as `user`; resolves with what it printed and its exit code. */
export async function corralAsUser(
  user: TestUser,
  args: string[],
  options: UserCliOptions,
): Promise<CliResult> {
  const cli = await getCliFor(user);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: options.cwd,
      uid: user.uid,
      gid: user.gid,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: options.home,
        CORRAL_HOME: join(options.home, '.corral'),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timeoutMs = options.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `corral ${args.join(' ')} (uid ${user.uid}) took over ${timeoutMs} ms\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise(toCliResult(code, stdout, stderr));
    });
  });
}

/** A fresh HOME for `user`, which it owns. */
export async function makeUserHome(user: TestUser): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'corral-user-home-'));
  giveTo(user, home);
  return home;
}
