/**
 * Writes the person's answer to a request into the instance's answers file: under a lock,
 * re-read, refused when the request was answered meanwhile, written whole and atomically
 * (the gateway reads the file through the `policy/` directory mount, which sees the new
 * file at once).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { userInfo } from 'node:os';
import type { RequestAnswer, RequestAnswers } from '../../gateway/policy.js';
import { CorralError } from '../../lib/errors.js';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { acquireLock } from '../../lib/lock.js';
import type { InstanceRequest } from './instance-requests.js';
import { loadRequestAnswers } from './request-files.js';

/** Who is answering: the host user's name, when the system knows it. */
export function getAnswerer(): string | null {
  try {
    return userInfo().username.slice(0, 100) || null;
  } catch {
    return null;
  }
}

/** REQUEST_ANSWERED (exit 7) unless the request is still pending. */
export function ensurePending(request: InstanceRequest): void {
  if (request.answer === null) return;
  throw new CorralError(
    'REQUEST_ANSWERED',
    `Request ${request.n} of ${request.id} (${request.kind} ${request.name}) was already ${request.answer.decision}${request.answer.by ? ` by ${request.answer.by}` : ''} at ${request.answer.at}.`,
    { hint: `See it with: corral requests ${request.id} --all` },
  );
}

export async function recordAnswer(
  path: string,
  request: InstanceRequest,
  answer: Omit<RequestAnswer, 'at' | 'by'>,
): Promise<RequestAnswer> {
  await mkdir(dirname(path), { recursive: true });
  const lock = await acquireLock(`${path}.lock`, { timeoutMs: 10_000 });
  try {
    const answers = await loadRequestAnswers(path);
    const earlier = answers[String(request.n)];
    if (earlier) ensurePending({ ...request, answer: earlier });
    const full: RequestAnswer = { ...answer, at: new Date().toISOString(), by: getAnswerer() };
    const next: RequestAnswers = { answers: { ...answers, [String(request.n)]: full } };
    await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
    return full;
  } finally {
    await lock.release();
  }
}
