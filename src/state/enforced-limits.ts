/**
 * What enforces each of a sandbox's limits (`--memory`, `--cpus`, `--pids`) on the host it
 * ran on, as its backend reported it and the instance's metadata records it, and the one
 * sentence `corral doctor`, `corral policy` and the README use for it. A limit nothing
 * enforces is named as such: corral never claims one that does not hold.
 */
import { z } from 'zod';

/** Each limit: what enforces it, in words a person reads ("cgroup v1", …), or null. */
export const EnforcedLimits = z.object({
  memory: z.string().nullable(),
  cpus: z.string().nullable(),
  pids: z.string().nullable(),
});
export type EnforcedLimits = z.infer<typeof EnforcedLimits>;

function list(names: string[]): string {
  return names.length === 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * @example
 * describeEnforcedLimits({ memory: null, cpus: null, pids: 'RLIMIT_NPROC' })
 * // 'pids by RLIMIT_NPROC; memory and cpus not enforced'
 */
export function describeEnforcedLimits(e: EnforcedLimits): string {
  const by = new Map<string, string[]>();
  const none: string[] = [];
  for (const name of ['memory', 'cpus', 'pids'] as const) {
    const how = e[name];
    if (how) by.set(how, [...(by.get(how) ?? []), name]);
    else none.push(name);
  }
  const parts = [...by].map(([how, names]) => `${list(names)} by ${how}`);
  if (none.length > 0) parts.push(`${list(none)} not enforced`);
  return parts.join('; ');
}

/** Whether every limit is enforced by something. */
export function isFullyEnforced(e: EnforcedLimits): boolean {
  return e.memory !== null && e.cpus !== null && e.pids !== null;
}
