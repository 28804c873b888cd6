/**
 * The networks of fenced instances, chosen so that many can run at once. An engine's
 * default address pools hold about 30 networks, and a fenced instance would otherwise
 * take two of them. Instead:
 *   - each instance's internal network gets a /28 from corral's own range, 198.18.0.0/15
 *     (set aside for benchmarking, RFC 2544, so unlikely to be a real network anywhere;
 *     and the internal network has no address on the host, so no host route is touched):
 *     8,192 of them, picked at random among those no engine network uses yet;
 *   - every gateway shares one outbound network, `corral-outbound`, made on first use
 *     (unless CORRAL_DOCKER_NETWORK names another). Gateways serve only their own agent
 *     (client-guard.ts), so sharing it opens nothing.
 */
import type Dockerode from 'dockerode';
import { isConflict, isNotFound, rethrowEngineError } from './engine-errors.js';

export const sharedOutboundNetwork = 'corral-outbound';

const rangeBase = (198 << 24) | (18 << 16); // 198.18.0.0
const subnetCount = 1 << 13; // /15 in /28s
const subnetSize = 16;

function toSubnet(index: number): string {
  const n = (rangeBase + index * subnetSize) >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/28`;
}

/** The /28s of corral's range that `subnets` (CIDRs of existing networks) already use. */
export function usedIndexes(subnets: readonly string[]): Set<number> {
  const used = new Set<number>();
  for (const cidr of subnets) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!m) continue;
    const [a, b, c, d, bits] = m.slice(1).map(Number) as [number, number, number, number, number];
    const start = (((a << 24) | (b << 16) | (c << 8) | d) >>> 0) - (rangeBase >>> 0);
    const size = 2 ** (32 - bits);
    // Every /28 of ours that this network overlaps.
    const first = Math.floor(Math.max(start, 0) / subnetSize);
    const last = Math.floor((start + size - 1) / subnetSize);
    for (let i = first; i <= Math.min(last, subnetCount - 1); i++) if (i >= 0) used.add(i);
  }
  return used;
}

/**
 * A free /28 for an internal network, given the subnets in use; random, so two instances
 * starting at once rarely pick the same (and a clash is retried by the caller).
 *
 * @example pickInternalSubnet(['172.17.0.0/16', '198.18.0.0/28']) // e.g. '198.18.91.32/28'
 */
export function pickInternalSubnet(
  inUse: readonly string[],
  random: () => number = Math.random,
): string {
  const used = usedIndexes(inUse);
  if (used.size >= subnetCount) throw new Error('every subnet of 198.18.0.0/15 is in use');
  for (;;) {
    const index = Math.floor(random() * subnetCount);
    if (!used.has(index)) return toSubnet(index);
  }
}

/** The subnets of every network the engine has. */
export async function listSubnets(docker: Dockerode): Promise<string[]> {
  try {
    const networks = await docker.listNetworks();
    return networks
      .flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? ''))
      .filter(Boolean);
  } catch (error) {
    return rethrowEngineError(docker, error);
  }
}

/** Makes `corral-outbound` unless it exists; returns its name. */
export async function ensureSharedOutboundNetwork(docker: Dockerode): Promise<string> {
  try {
    await docker.getNetwork(sharedOutboundNetwork).inspect();
    return sharedOutboundNetwork;
  } catch (error) {
    if (!isNotFound(error)) return rethrowEngineError(docker, error);
  }
  try {
    await docker.createNetwork({
      Name: sharedOutboundNetwork,
      Driver: 'bridge',
      // Two corral processes may get here at once: the second is told it exists.
      CheckDuplicate: true,
      Labels: { 'corral.network': 'outbound' },
    });
  } catch (error) {
    if (!isConflict(error)) return rethrowEngineError(docker, error);
  }
  return sharedOutboundNetwork;
}
