/**
 * Bring-back: after the command ends, the instance's work becomes branch `corral/<id>` in
 * the source repository.
 *
 * The workspace is hostile input by then (the agent could have planted hooks,
 * `core.fsmonitor`, filter drivers, an `include.path`, symlinks out of the tree…), so the
 * host runs no git in it. Instead:
 *  1. inside the sandbox — right after the command, in the same process (`withBringBack`),
 *     or in a second one (`bringBackCommand`) — the work is committed by git that reads
 *     none of the agent's configuration (`bring-back-script.ts`) and a git bundle of the
 *     branch and a small report are written into the workspace's `.git`;
 *  2. on the host, `importBringBack` copies that bundle out (refusing anything but a
 *     regular file) and fetches it into the source repository, whose config is the
 *     developer's own. Reading a bundle executes nothing from the workspace, and the
 *     objects are fsck'd on the way in.
 */
import { constants, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { lstat, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CorralError } from '../lib/errors.js';
import { bringBackFiles } from './bring-back-script.js';
import { git, gitOut } from './git.js';

export interface BringBackReport {
  tip: string;
  committedLeftovers: boolean;
  /**
   * False when the agent's HEAD could not be read (a damaged or replaced `.git/HEAD` or
   * ref): the work tree was then committed on the base, without the agent's own commits.
   */
  headReadable: boolean;
}

/** Reads the report of the in-sandbox step; refuses anything that is not a plain commit id. */
export function parseBringBackOutput(text: string): BringBackReport {
  const tip = /^tip=([0-9a-f]{40}|[0-9a-f]{64})$/m.exec(text)?.[1];
  if (!tip) {
    throw new CorralError('BRING_BACK_FAILED', 'The sandbox did not report the tip of the branch.');
  }
  return {
    tip,
    committedLeftovers: /^committed=1$/m.test(text),
    headReadable: !/^head=unreadable$/m.test(text),
  };
}

/**
 * The report the wrapper left in the workspace's `.git`, or undefined when there is none
 * (the wrapper was killed). Read without following a symlink anywhere under the
 * workspace, and never more than a few bytes.
 */
export async function loadBringBackReport(workspace: string): Promise<BringBackReport | undefined> {
  try {
    const text = await readWorkspaceFile(workspace, ['.git', bringBackFiles.report], 4096);
    return parseBringBackOutput(text.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads `workspace/<parts…>`, refusing symlinks at every level and files over `maxBytes`. */
async function readWorkspaceFile(
  workspace: string,
  parts: string[],
  maxBytes: number,
): Promise<Buffer> {
  let dir = workspace;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    const info = await lstat(dir);
    if (!info.isDirectory()) throw new Error(`${dir} is not a directory`);
  }
  const handle = await open(
    join(dir, parts[parts.length - 1]!),
    constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
  );
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > maxBytes) throw new Error('not a small regular file');
    const buffer = Buffer.alloc(info.size);
    await handle.read(buffer, 0, info.size, 0);
    return buffer;
  } finally {
    await handle.close();
  }
}

export interface ImportRequest {
  sourceRoot: string;
  branch: string;
  baseTip: string;
  report: BringBackReport;
  /** Host path of the workspace; the bundle is read from its `.git`. */
  workspace: string;
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
  const gitDir = join(request.workspace, '.git');
  if (
    !(await lstat(gitDir).then(
      (i) => i.isDirectory(),
      () => false,
    ))
  ) {
    throw new CorralError(
      'BRING_BACK_FAILED',
      `${gitDir} is not a directory; refusing to read from it.`,
    );
  }
  // A copy left by a supervisor killed mid-import is ours (the state dir), and stale.
  await rm(request.scratchPath, { force: true });
  await copyRegularFile(join(gitDir, bringBackFiles.bundle), request.scratchPath);
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
