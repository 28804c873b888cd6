/**
 * This machine's address on Docker's default bridge: where `host.docker.internal` (the
 * engine's `host-gateway`) leads from a container. Found the way it is found in the wild,
 * since engines record it differently: the bridge network's IPAM gateway when the engine
 * records one (started with `--bip` or a daemon.json that names it); else the address of
 * the bridge's interface (`docker0` unless the network's options name another), which an
 * engine started with no options, as scripts/setup-host.sh starts it, leaves unrecorded;
 * else (an engine in another network namespace) the default route a container on the
 * bridge sees.
 */
import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { findImagesDir, getDefaultImageTag } from '../../src/backends/docker/index.js';

const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

interface BridgeNetwork {
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> | null };
  Options?: Record<string, string> | null;
}

const ipv4 = /^\d+\.\d+\.\d+\.\d+$/;

/** The IPv4 next hop of the default route in a `/proc/net/route` table (little-endian hex). */
export function defaultRouteOf(routeTable: string): string | undefined {
  for (const line of routeTable.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/);
    if (destination !== '00000000' || !gateway || gateway.length !== 8) continue;
    const bytes = gateway.match(/../g)?.map((b) => parseInt(b, 16)) ?? [];
    return bytes.reverse().join('.');
  }
  return undefined;
}

let found: string | undefined;

export function hostBridgeAddress(): string {
  found ??= findHostBridgeAddress();
  return found;
}

function findHostBridgeAddress(): string {
  const [bridge] = JSON.parse(docker('network', 'inspect', 'bridge')) as BridgeNetwork[];
  const recorded = bridge?.IPAM?.Config?.map((c) => c.Gateway).find((g) => g && ipv4.test(g));
  if (recorded) return recorded;

  const name = bridge?.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  const own = networkInterfaces()[name]?.find((a) => a.family === 'IPv4')?.address;
  if (own) return own;

  const image = getDefaultImageTag(findImagesDir());
  const table = docker('run', '--rm', '--network', 'bridge', image, 'cat', '/proc/net/route');
  const route = defaultRouteOf(table);
  if (route) return route;
  throw new Error(
    `Cannot find this machine's address on Docker's default bridge: the engine records no gateway for it, there is no interface ${name} here, and a container on it has no default route.`,
  );
}
