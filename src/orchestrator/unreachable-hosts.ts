/**
 * Which hosts a command in a sandbox without network tried to reach, read from the error
 * lines the common tools print when a name does not resolve or a connection cannot be
 * made: npm and node (`getaddrinfo EAI_AGAIN <host>`, `connect ENETUNREACH <ip>:<port>`),
 * curl, git and cargo (`Could not resolve host: <host>`), apt (`Temporary failure resolving
 * '<host>'`), ssh, Go (`dial tcp: lookup <host> on …`), Python's urllib3 and requests
 * (`HTTPSConnectionPool(host='<host>', …)`, `Failed to resolve '<host>'`) and pip, whose
 * retries name only a path (`/simple/<name>/`) on its index: pypi.org unless it said
 * `Looking in indexes: <url>`. On the local backend a host off the allowlist is refused by
 * sandbox-runtime's proxy (403 to CONNECT), which records nothing, so its forms are read
 * too: npm's `403 Forbidden - GET <url>`, git's `unable to access '<url>': CONNECT tunnel
 * failed`, pip's `ProxyError` retries. Loopback is never reported: no allowlist changes it.
 *
 * @example
 *   const hosts = new UnreachableHosts();
 *   hosts.line('npm error request to https://registry.npmjs.org/x failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org');
 *   hosts.list(); // ['registry.npmjs.org']
 */
import { parseHostPattern } from '../gateway/policy.js';

/** At most this many hosts are kept: a hint names a few, not a crawl. */
const maxHosts = 10;

/** Cheap test first: most lines of most runs are none of these. */
const mentionsNetwork =
  /getaddrinfo|connect E|resolv|Failed to connect|lookup |dial tcp|ConnectionPool|connection broken|Looking in indexes|403 Forbidden - |CONNECT tunnel failed/;

const patterns: RegExp[] = [
  // node, npm: "getaddrinfo EAI_AGAIN registry.npmjs.org" (also ENOTFOUND, EAI_NONAME, EAI_FAIL)
  /getaddrinfo (?:EAI_AGAIN|ENOTFOUND|EAI_NONAME|EAI_FAIL|EAI_NODATA) ([^\s'",)]+)/,
  // node: "connect ENETUNREACH 1.2.3.4:443"
  /connect (?:ENETUNREACH|EHOSTUNREACH|ECONNREFUSED|ETIMEDOUT) \[?([0-9a-fA-F:.]+)\]?:\d+/,
  // curl, git, cargo (libcurl): "Could not resolve host: github.com"
  /Could not resolve host: ([^\s'",:;)]+)/,
  // ssh: "ssh: Could not resolve hostname github.com: Name or service not known"
  /Could not resolve hostname ([^\s'",:;)]+):/,
  // curl: "Failed to connect to 93.184.216.34 port 443"
  /Failed to connect to ([^\s'",]+) port \d+/,
  // apt: "Temporary failure resolving 'deb.debian.org'", "Could not resolve 'deb.debian.org'"
  /(?:Temporary failure resolving|Could not resolve) '([^']+)'/,
  // Go: "dial tcp: lookup proxy.golang.org on 10.0.0.1:53: …", "dial tcp 1.2.3.4:443: connect: …"
  /dial tcp: lookup ([^\s:]+)(?: on |: )/,
  /dial tcp \[?([0-9a-fA-F:.]+)\]?:\d+: connect:/,
  // urllib3 2: "Failed to resolve 'pypi.org' ([Errno -3] …)"
  /Failed to resolve '([^']+)'/,
];

/** Lines that name a URL (its host is the one): a proxy's refusal, as npm and git print it. */
const urlPatterns: RegExp[] = [
  // npm: "npm error 403 403 Forbidden - GET https://registry.npmjs.org/left-pad"
  /403 Forbidden - [A-Z]+ (https?:\/\/\S+)/,
  // git: "fatal: unable to access 'https://github.com/o/r/': CONNECT tunnel failed, response 403"
  /unable to access '(https?:\/\/[^']+)': CONNECT tunnel failed/,
];

// requests / urllib3: "HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded
// … (Caused by NewConnectionError(…: Failed to establish a new connection …"
const connectionPool = /HTTPS?ConnectionPool\(host='([^']+)'/;
const connectionFailure =
  /NameResolutionError|NewConnectionError|Failed to establish a new connection/;

// pip: "WARNING: Retrying (…) after connection broken by 'NewConnectionError(…)': /simple/requests/"
// or, refused by a proxy: "… connection broken by 'ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 403 Forbidden'))': /simple/requests/"
const pipRetry =
  /connection broken by '(?:(?:NewConnectionError|NameResolutionError)\(.*pip\._vendor|ProxyError\('Cannot connect to proxy\.', OSError\('Tunnel connection failed: 403)/;
const pipIndexes = /^Looking in indexes: (\S+)/;

const loopback = /^(?:localhost|127(?:\.\d{1,3}){3}|::1|0\.0\.0\.0|::)$/i;

/** The host named by one line, or null. Stateless: pip's index is UnreachableHosts' job. */
export function findUnreachableHost(line: string): string | null {
  if (!mentionsNetwork.test(line)) return null;
  for (const pattern of patterns) {
    const host = pattern.exec(line)?.[1];
    if (host) return host;
  }
  for (const pattern of urlPatterns) {
    const url = pattern.exec(line)?.[1];
    if (url) return hostOfUrl(url);
  }
  if (connectionFailure.test(line)) return connectionPool.exec(line)?.[1] ?? null;
  return null;
}

function hostOfUrl(url: string): string | null {
  try {
    return new URL(url).hostname || null;
  } catch {
    return null;
  }
}

/** The hosts of a run's output, first seen first, as lines arrive. */
export class UnreachableHosts {
  private readonly hosts = new Set<string>();
  private pipIndex = 'pypi.org';

  line(text: string): void {
    if (this.hosts.size >= maxHosts || !mentionsNetwork.test(text)) return;
    const index = pipIndexes.exec(text.trim())?.[1];
    if (index) {
      // pip names the first index; the retries that follow are against it.
      this.pipIndex = hostOfUrl(index.replace(/,$/, '')) ?? this.pipIndex;
      return;
    }
    const host = pipRetry.test(text) ? this.pipIndex : findUnreachableHost(text);
    if (host) this.add(host);
  }

  list(): string[] {
    return [...this.hosts];
  }

  private add(raw: string): void {
    const host = raw.toLowerCase().replace(/\.$/, '');
    if (loopback.test(host)) return;
    // Only what the allowlist could hold: a name or an address, never a fragment of text.
    if ('error' in parseHostPattern(host) || host.includes('*')) return;
    this.hosts.add(host);
  }
}
