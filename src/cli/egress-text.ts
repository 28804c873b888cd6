/**
 * How an instance's way out reads to people: none at all, or only what its policy allows
 * (through the gateway on docker, sandbox-runtime's proxy on local). One phrase, used by
 * `run`'s first line and by `policy`; and how one of its attempts ended, for `policy`.
 */
import type { EgressAttempts } from '../orchestrator/egress-attempts.js';
import type { Metadata } from '../state/index.js';

export function describeEgress(m: Pick<Metadata, 'network' | 'backend' | 'agent'>): string {
  if (m.network === 'none') return 'no network';
  const via = m.backend === 'docker' ? 'the gateway' : "sandbox-runtime's proxy";
  const model = m.agent === 'shell' || m.agent === 'fake' ? '' : 'its model API and ';
  return `egress only to ${model}allowed hosts, through ${via}`;
}

/**
 * The WHY of a row of `corral policy`'s attempts: the denial, or for an allowed host whose
 * last attempt failed (no such name, refused, timed out), that failure; empty when it went
 * through.
 *
 * @example
 *   describeOutcome({ allowed: true, reason: 'getaddrinfo ENOTFOUND x.test' }) // 'failed: getaddrinfo ENOTFOUND x.test'
 */
export function describeOutcome(attempts: Pick<EgressAttempts, 'allowed' | 'reason'>): string {
  if (!attempts.reason) return '';
  return attempts.allowed ? `failed: ${attempts.reason}` : attempts.reason;
}
