/**
 * An instance's requests as people and scripts see them: each record of the request log
 * joined with its answer, if any. What `corral requests` lists and what approve and reject
 * look a request up in.
 */
import { CorralError } from '../../lib/errors.js';
import type { RequestAnswer, RequestRecord } from '../../gateway/policy.js';
import type { InstancePaths } from '../../state/index.js';
import { getRequestFiles, loadRequestAnswers, loadRequestLog } from './request-files.js';

export type RequestStatus = 'pending' | RequestAnswer['decision'];

export interface InstanceRequest extends RequestRecord {
  /** The instance that asked. */
  id: string;
  status: RequestStatus;
  answer: RequestAnswer | null;
}

export interface InstanceRequests {
  requests: InstanceRequest[];
  /** Lines of the request log that were not valid records. */
  skipped: number;
}

export async function loadInstanceRequests(
  id: string,
  paths: InstancePaths,
): Promise<InstanceRequests> {
  const files = getRequestFiles(paths);
  const { records, skipped } = await loadRequestLog(files.log);
  const answers = records.length > 0 ? await loadRequestAnswers(files.answers) : {};
  return {
    requests: records.map((record) => {
      const answer = answers[String(record.n)] ?? null;
      return { ...record, id, status: answer?.decision ?? 'pending', answer };
    }),
    skipped,
  };
}

/** Request `n` of an instance; REQUEST_NOT_FOUND (exit 3) when it has none by that number. */
export async function findInstanceRequest(
  id: string,
  paths: InstancePaths,
  n: number,
): Promise<InstanceRequest> {
  const { requests } = await loadInstanceRequests(id, paths);
  const request = requests.find((r) => r.n === n);
  if (!request) {
    throw new CorralError(
      'REQUEST_NOT_FOUND',
      requests.length === 0
        ? `${id} has made no requests.`
        : `${id} has no request ${n} (it has 1 to ${requests.length}).`,
      { hint: `See them with: corral requests ${id} --all` },
    );
  }
  return request;
}
