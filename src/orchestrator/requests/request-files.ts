/**
 * Where an instance's requests live in its state dir, and the host's reads of them. The
 * request log is written by the gateway from what the agent sent, so it is read as
 * untrusted input: at most `maxLogBytes` from its start, every line re-validated
 * (`parseRequestLog`), nothing in it ever executed. The answers file is the host's own,
 * read strictly: a broken file is an error rather than an empty one, so an edit never
 * silently drops earlier answers.
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  parseRequestLog,
  requestAnswersName,
  RequestAnswers,
  requestsLogName,
  type RequestRecord,
} from '../../gateway/policy.js';
import { CorralError } from '../../lib/errors.js';
import type { InstancePaths } from '../../state/index.js';

/** How much of requests.log is read: far more than the most requests an instance may make. */
export const maxLogBytes = 1024 * 1024;

export interface RequestFiles {
  log: string;
  answers: string;
  /** The Dockerfile of the instance's own image lives here. */
  imageDir: string;
  /** Which requests and answers the supervisor has turned into events. */
  eventCursor: string;
}

export function getRequestFiles(paths: InstancePaths): RequestFiles {
  return {
    log: join(paths.dir, requestsLogName),
    answers: join(paths.dir, 'policy', requestAnswersName),
    imageDir: join(paths.dir, 'image'),
    eventCursor: join(paths.dir, 'request-events.json'),
  };
}

/** The first `maxBytes` of a file, or '' when it does not exist. */
async function readHead(path: string, maxBytes: number): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new CorralError('IO_ERROR', `Cannot read ${path}.`, { cause: error });
  }
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The valid records of a request log, and how many lines were skipped.
 *
 * @example await loadRequestLog('/home/me/.corral/instances/claude-k3x9q/requests.log')
 *   // { records: [{ n: 1, kind: 'host', name: 'example.test', … }], skipped: 0 }
 */
export async function loadRequestLog(
  path: string,
): Promise<{ records: RequestRecord[]; skipped: number }> {
  const text = await readHead(path, maxLogBytes);
  // A cut at maxLogBytes leaves a partial last line: parseRequestLog skips it.
  return parseRequestLog(text);
}

/** The answers so far; a missing file is none, a broken one an error. */
export async function loadRequestAnswers(path: string): Promise<RequestAnswers['answers']> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CorralError('IO_ERROR', `Cannot read the request answers ${path}.`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = RequestAnswers.safeParse(json);
  if (!parsed.success) {
    throw new CorralError('IO_ERROR', `The request answers ${path} are not valid.`, {
      hint: 'Fix the file by hand, or delete it (every request is then pending again).',
    });
  }
  return parsed.data.answers;
}
