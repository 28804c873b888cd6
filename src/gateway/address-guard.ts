/**
 * Where an allowed host NAME may not lead. The allowlist decides by name, but whoever
 * controls a name's DNS decides what it resolves to: an allowed name pointed at
 * 127.0.0.1, at the gateway's own interfaces or at the host behind its default route
 * would let the sandbox reach services that listen there (the gateway's other ports, a
 * database on the developer's machine), and one pointed at a cloud metadata endpoint
 * would hand it the machine's cloud credentials. So a name's address is refused when it
 * is loopback, unspecified, link-local, a known metadata endpoint, one of this machine's
 * own addresses, its default gateway or `host.docker.internal`, unless that address
 * itself is on the allowlist (an IP literal there is an explicit choice, and reaching it
 * by name then grants nothing more). Private ranges (an intranet) are not refused:
 * allowing an intranet name is legitimate. The host's other addresses (its LAN address,
 * say) cannot be known from inside the gateway container and are not refused.
 */
import { readFileSync } from 'node:fs';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Address ranges, by the words a refusal gives. */
const refusedRanges: [string, string[]][] = [
  ['loopback', ['127.0.0.0/8', '::1/128']],
  ['unspecified', ['0.0.0.0/8', '::/128']],
  ['link-local', ['169.254.0.0/16', 'fe80::/10']],
  [
    'a cloud metadata endpoint',
    [
      '100.100.100.200/32', // Alibaba Cloud
      '168.63.129.16/32', // Azure
      '192.0.0.192/32', // Oracle Cloud Classic
      'fd00:ec2::/32', // AWS IPv6 service block (IMDS)
      'fd20:ce::254/128', // Google Cloud, IPv6-only
      'fd00:c1::a9fe:a9fe/128', // Oracle Cloud IPv6
    ],
  ],
];

function blockList(ranges: readonly string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address = '', bits = ''] = range.split('/');
    list.addSubnet(address, Number(bits), isIPv6(address) ? 'ipv6' : 'ipv4');
  }
  return list;
}

const refusedLists = refusedRanges.map(([why, ranges]) => [why, blockList(ranges)] as const);

function inList(list: BlockList, address: string): boolean {
  if (isIPv4(address)) return list.check(address, 'ipv4');
  return isIPv6(address) && list.check(address, 'ipv6');
}

/** A small system file's text; empty where it cannot be read (another OS, a sandbox). */
function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The IPv4 next hop of the default route (`/proc/net/route`, little-endian hex): inside a
 * container, that is the host. Null where there is no such file or route.
 */
export function readDefaultGateway(routeTable?: string): string | null {
  const text = routeTable ?? readText('/proc/net/route');
  for (const line of text.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/);
    if (destination !== '00000000' || !gateway || !/^[0-9A-Fa-f]{8}$/.test(gateway)) continue;
    const bytes = [6, 4, 2, 0].map((i) => parseInt(gateway.slice(i, i + 2), 16));
    return bytes.join('.');
  }
  return null;
}

/** Names by which a container knows the machine it runs on (Docker's `host-gateway`). */
const hostNames = new Set(['host.docker.internal', 'gateway.docker.internal']);

/** The addresses `/etc/hosts` gives the host's names (Compose `extra_hosts`). */
export function readHostAliases(hostsFile?: string): string[] {
  const text = hostsFile ?? readText('/etc/hosts');
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*$/, '').trim().split(/\s+/);
    if (address && names.some((n) => hostNames.has(n.toLowerCase()))) found.push(address);
  }
  return found;
}

/**
 * This machine's own addresses, its default gateway and the host's aliases, read anew on
 * each call (interfaces come and go). Inside the gateway container the last two are the
 * host, seen from the outbound network and from Docker's default bridge.
 */
export function localAddresses(): Set<string> {
  const own = new Set<string>(readHostAliases());
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) own.add(entry.address.replace(/%.*$/, ''));
  }
  const gateway = readDefaultGateway();
  if (gateway) own.add(gateway);
  return own;
}

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) carries, if any. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}

/**
 * Why a name may not be reached at `address`, or null when it may.
 *
 * @example
 *   refusedAddress('127.0.0.1', new Set()) // 'loopback'
 *   refusedAddress('10.1.2.3', new Set())  // null: an intranet is allowed
 */
export function refusedAddress(address: string, local: ReadonlySet<string>): string | null {
  for (const [why, list] of refusedLists) if (inList(list, address)) return why;
  if (local.has(address) || local.has(unmapped(address))) {
    return "this machine's own address or its gateway";
  }
  return null;
}
