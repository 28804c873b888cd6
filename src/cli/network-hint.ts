/**
 * The hint a run that did not succeed ends with when it could not reach hosts: which
 * ones, why (no network in its sandbox, or the egress policy refused them), and how to
 * allow them: the presets that hold them (`--allow npm`) and `--allow-host` for the rest,
 * on a new run, or `corral allow` then `corral resume` on an instance that was kept (a
 * sandbox without network has no gateway to tell, so only a new run helps there).
 */
import { describeAllowance } from '../orchestrator/allow-presets.js';
import type { Metadata } from '../state/index.js';

export interface NetworkHint {
  /** Why they were out of reach. */
  reason: 'no-network' | 'egress-policy';
  hosts: string[];
  /** `corral run` options that allow them all. */
  runOptions: string[];
  /** `corral allow <id> …` then `corral resume <id>`, when the instance can go on. */
  allowCommand: string | null;
  /** The line for people. */
  text: string;
}

const shownHosts = 5;

/**
 * The hint for an ended instance, or null when it succeeded or tried no host it could not
 * reach.
 *
 * @example getNetworkHint(m)?.text // "it could not reach registry.npmjs.org: …, run it again with --allow npm"
 */
export function getNetworkHint(m: Metadata): NetworkHint | null {
  const hosts = m.summary?.unreachableHosts ?? [];
  if (hosts.length === 0 || m.status === 'succeeded' || m.status === 'running') return null;
  const allowance = describeAllowance(hosts);
  const runOptions = [
    ...allowance.presets.map((p) => `--allow ${p}`),
    ...allowance.hosts.map((h) => `--allow-host ${h}`),
  ];
  const reason = m.network === 'none' ? 'no-network' : 'egress-policy';
  const canResume = reason === 'egress-policy' && m.keep && !m.workspaceRemoved;
  const allowCommand = canResume
    ? `corral allow ${m.id} ${[...allowance.presets, ...allowance.hosts].join(' ')} && corral resume ${m.id}`
    : null;
  const named =
    hosts.slice(0, shownHosts).join(', ') +
    (hosts.length > shownHosts ? ` and ${hosts.length - shownHosts} more` : '');
  const why =
    reason === 'no-network' ? 'this sandbox has no network' : 'refused by the egress policy';
  const how = allowCommand
    ? `allow and go on: ${allowCommand}; or run it again with ${runOptions.join(' ')}`
    : `run it again with ${runOptions.join(' ')}`;
  return {
    reason,
    hosts,
    runOptions,
    allowCommand,
    text: `it could not reach ${named} (${why}); ${how}`,
  };
}
