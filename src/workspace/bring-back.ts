/**
 * Bring-back: after the command ends, the instance's work becomes branch `corral/<id>` in
 * the source repository.
 *
 * The workspace is hostile input by then (the agent could have planted hooks,
 * `core.fsmonitor`, filter drivers, an `include.path`, symlinks out of the tree…), so the
 * host runs no git in it. Instead:
 *  1. inside the sandbox, `bringBackCommand` commits the leftovers (hooks off) and writes
 *     a git bundle of the branch into the workspace's `.git`;
 *  2. on the host, `importBringBack` copies that bundle out (refusing anything but a
 *     regular file) and fetches it into the source repository, whose config is the
 *     developer's own. Reading a bundle executes nothing from the workspace, and the
 *     objects are fsck'd on the way in.
 */
import { constants, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { open, rm } from 'node:fs/promises';
import { CorralError } from '../lib/errors.js';
import { git, gitOut } from './git.js';

export interface BringBackScriptOptions {
  id: string;
  agent: string;
  /** The commit the branch started at. */
  baseTip: string;
  /** Path of the bundle as the sandbox sees it. */
  bundlePath: string;
}

/** The argv that commits leftovers and writes the bundle, run inside the sandbox. */
export function bringBackCommand(options: BringBackScriptOptions): {
  argv: string[];
  env: Record<string, string>;
} {
  const script = [
    'set -eu',
    'g() { git -c core.hooksPath=/dev/null -c core.fsmonitor=false -c commit.gpgsign=false "$@"; }',
    'rm -f "$CORRAL_BUNDLE"',
    'g add -A',
    'if ! g diff --cached --quiet; then',
    '  g commit --quiet --no-verify -m "corral: work of $CORRAL_ID" -m "Corral-Instance: $CORRAL_ID"',
    '  echo "committed=1"',
    'fi',
    'tip=$(g rev-parse HEAD)',
    'echo "tip=$tip"',
    'if [ "$tip" != "$CORRAL_BASE" ]; then',
    '  if g merge-base --is-ancestor "$CORRAL_BASE" "$tip" 2>/dev/null; then',
    '    g bundle create --quiet "$CORRAL_BUNDLE" HEAD "^$CORRAL_BASE"',
    '  else',
    '    g bundle create --quiet "$CORRAL_BUNDLE" HEAD',
    '  fi',
    'fi',
  ].join('\n');
  const who = `corral (${options.agent})`;
  return {
    argv: ['sh', '-c', script],
    env: {
      CORRAL_ID: options.id,
      CORRAL_BASE: options.baseTip,
      CORRAL_BUNDLE: options.bundlePath,
      GIT_AUTHOR_NAME: who,
      GIT_AUTHOR_EMAIL: 'corral@localhost',
      GIT_COMMITTER_NAME: who,
      GIT_COMMITTER_EMAIL: 'corral@localhost',
    },
  };
}

export interface BringBackReport {
  tip: string;
  committedLeftovers: boolean;
}

/** Reads what the in-sandbox step printed; refuses anything that is not a plain commit id. */
export function parseBringBackOutput(stdout: string): BringBackReport {
  const tip = /^tip=([0-9a-f]{40}|[0-9a-f]{64})$/m.exec(stdout)?.[1];
  if (!tip) {
    throw new CorralError('BRING_BACK_FAILED', 'The sandbox did not report the tip of the branch.');
  }
  return { tip, committedLeftovers: /^committed=1$/m.test(stdout) };
}

export interface ImportRequest {
  sourceRoot: string;
  branch: string;
  baseTip: string;
  report: BringBackReport;
  /** Host path of the bundle the sandbox wrote. */
  bundleHostPath: string;
  /** Where the host may copy it to (outside the workspace). */
  scratchPath: string;
}

/** Fetches the brought-back branch into the source repository. Returns the branch tip. */
export async function importBringBack(request: ImportRequest): Promise<string> {
  const { sourceRoot, branch, baseTip, report } = request;
  const ref = `refs/heads/${branch}`;
  if (report.tip === baseTip) {
    await git(sourceRoot, ['update-ref', ref, baseTip]);
    return baseTip;
  }
  await copyRegularFile(request.bundleHostPath, request.scratchPath);
  try {
    await git(sourceRoot, [
      '-c',
      'transfer.fsckObjects=true',
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      request.scratchPath,
      `+HEAD:${ref}`,
    ]);
  } finally {
    await rm(request.scratchPath, { force: true });
  }
  const tip = await gitOut(sourceRoot, ['rev-parse', '--verify', ref]);
  if (tip !== report.tip) {
    throw new CorralError(
      'BRING_BACK_FAILED',
      `The bundle's tip ${tip.slice(0, 12)} is not the ${report.tip.slice(0, 12)} the sandbox reported.`,
    );
  }
  return tip;
}

/** Copies a file the sandbox controls without following a symlink it may have planted. */
async function copyRegularFile(from: string, to: string): Promise<void> {
  let handle;
  try {
    handle = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw new CorralError('BRING_BACK_FAILED', `The sandbox left no readable bundle at ${from}.`, {
      cause: error,
    });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new CorralError(
        'BRING_BACK_FAILED',
        `${from} is not a regular file; refusing to read it.`,
      );
    }
    await pipeline(
      handle.createReadStream({ autoClose: false }),
      createWriteStream(to, { flags: 'wx', mode: 0o600 }),
    );
  } finally {
    await handle.close();
  }
}
