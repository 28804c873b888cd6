/**
 * How an instance's way out reads to people: none at all, or only what its policy allows
 * (through the gateway on docker, sandbox-runtime's proxy on local). One phrase, used by
 * `run`'s first line and by `policy`.
 */
import type { Metadata } from '../state/index.js';

export function describeEgress(m: Pick<Metadata, 'network' | 'backend' | 'agent'>): string {
  if (m.network === 'none') return 'no network';
  const via = m.backend === 'docker' ? 'the gateway' : "sandbox-runtime's proxy";
  const model = m.agent === 'shell' || m.agent === 'fake' ? '' : 'its model API and ';
  return `egress only to ${model}allowed hosts, through ${via}`;
}
