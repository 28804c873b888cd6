/**
 * The egress allowlist's grammar and matching. An entry is a host, optionally with a port:
 * `registry.npmjs.org`, `*.github.com` (any subdomain, at any depth, but not the apex —
 * list `github.com` too for that), `127.0.0.1:8080`, `[::1]:443`. No port means any port.
 * A bare `*` or a wildcard anywhere but the leading label is refused: the fence denies by
 * default, and an entry that allows everything is almost always a mistake.
 */

export interface HostPattern {
  /** Lower-case host without a trailing dot; for a wildcard, the suffix after `*.`. */
  host: string;
  wildcard: boolean;
  /** null: any port. */
  port: number | null;
}

const labelRe = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const ipv4Re = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Lower-cases a host name and drops a trailing dot and IPv6 brackets: what matching compares. */
export function normalizeHost(host: string): string {
  let out = host.trim().toLowerCase();
  if (out.startsWith('[') && out.endsWith(']')) out = out.slice(1, -1);
  if (out.endsWith('.')) out = out.slice(0, -1);
  return out;
}

function isIpv6(host: string): boolean {
  return host.includes(':') && /^[0-9a-f:.]+$/.test(host);
}

function isHostName(host: string): boolean {
  if (ipv4Re.test(host)) return host.split('.').every((n) => Number(n) <= 255);
  if (isIpv6(host)) return true;
  return host.length <= 253 && host.split('.').every((label) => labelRe.test(label));
}

/** Parses one allowlist entry; returns an error message (what is wrong, and an example) instead of throwing. */
export function parseHostPattern(entry: string): HostPattern | { error: string } {
  const text = entry.trim();
  if (text.includes('/')) return { error: `"${entry}": give a host (example.com), not a URL` };
  let hostPart = text;
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    hostPart = bracketed[1] ?? '';
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const [h, p] = text.split(':');
    hostPart = h ?? '';
    if (!/^\d+$/.test(p ?? '')) return { error: `"${entry}": the port must be a number` };
    port = Number(p);
  }
  if (port !== null && (port < 1 || port > 65535)) {
    return { error: `"${entry}": the port must be between 1 and 65535` };
  }
  let host = normalizeHost(hostPart);
  const wildcard = host.startsWith('*.');
  if (wildcard) host = host.slice(2);
  if (host === '*' || host === '') {
    return {
      error: `"${entry}": allowing every host is refused; list the hosts (e.g. *.example.com)`,
    };
  }
  if (host.includes('*')) {
    return { error: `"${entry}": a wildcard may only be the first label, as in *.example.com` };
  }
  if (!isHostName(host) || (wildcard && (ipv4Re.test(host) || isIpv6(host)))) {
    return {
      error: `"${entry}" is not a host name, IP address or *.domain (optionally with :port)`,
    };
  }
  return { host, wildcard, port };
}

/** Whether one parsed entry allows `host:port` (host as a client named it). */
export function matchesHostPattern(pattern: HostPattern, host: string, port: number): boolean {
  if (pattern.port !== null && pattern.port !== port) return false;
  const name = normalizeHost(host);
  return pattern.wildcard ? name.endsWith(`.${pattern.host}`) : name === pattern.host;
}

/**
 * Whether any entry of an allowlist allows `host:port`. Entries that do not parse allow
 * nothing (the policy loader refuses them before they get here).
 *
 * @example
 *   isHostAllowed(['*.github.com', 'github.com:443'], 'api.github.com', 443) // true
 */
export function isHostAllowed(allow: readonly string[], host: string, port: number): boolean {
  return allow.some((entry) => {
    const pattern = parseHostPattern(entry);
    return !('error' in pattern) && matchesHostPattern(pattern, host, port);
  });
}
