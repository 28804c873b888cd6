/**
 * What an agent may ask for with `corral-request`, and how strictly it is spelled: a host
 * in the egress allowlist's grammar (`host-pattern.ts`), or a package with an explicit
 * manager — `apt:<name>` (Debian's package-name rules) or `npm:<name>` (npm's, scope
 * allowed), no versions, no options. A package name ends up in a Dockerfile's RUN line,
 * so the grammar admits no quote, space, `$` or leading `-`. The reason (`why`) is free
 * text for a person to read: control characters and escape sequences are removed and its
 * length is capped. Used by the gateway when a request arrives and by the host when it
 * reads the request log back.
 */
import { parseHostPattern } from './host-pattern.js';

export const requestKinds = ['host', 'package'] as const;
export type RequestKind = (typeof requestKinds)[number];

export const packageManagers = ['apt', 'npm'] as const;
export type PackageManager = (typeof packageManagers)[number];

export interface PackageSpec {
  manager: PackageManager;
  name: string;
}

/** The longest `why` kept; longer reasons are cut with an ellipsis. */
export const maxWhyLength = 500;
/** The longest `name` accepted (a host with a port, or `npm:@scope/name`). */
export const maxNameLength = 260;

const aptName = /^[a-z0-9][a-z0-9+.-]{0,99}$/;
const npmPart = '[a-z0-9][a-z0-9._~-]*';
const npmName = new RegExp(`^(?:@${npmPart}/)?${npmPart}$`);

/**
 * Parses `apt:<name>` or `npm:<name>`; an error says what is wrong, with an example.
 *
 * @example parsePackageSpec('npm:@types/node') // { manager: 'npm', name: '@types/node' }
 */
export function parsePackageSpec(spec: string): PackageSpec | { error: string } {
  const colon = spec.indexOf(':');
  const manager = colon < 0 ? '' : spec.slice(0, colon);
  const name = colon < 0 ? spec : spec.slice(colon + 1);
  if (manager !== 'apt' && manager !== 'npm') {
    return { error: `"${spec}": say which package manager, as in apt:jq or npm:left-pad` };
  }
  if (manager === 'apt' && !aptName.test(name)) {
    return {
      error: `"${spec}" is not a Debian package name (lowercase letters, digits, + . -; e.g. apt:jq)`,
    };
  }
  if (manager === 'npm' && (name.length > 214 || !npmName.test(name))) {
    return {
      error: `"${spec}" is not an npm package name (e.g. npm:left-pad or npm:@types/node; no version)`,
    };
  }
  return { manager, name };
}

/** The canonical spelling of a requested host (as the allowlist stores it), or an error. */
export function canonicalRequestedHost(entry: string): string | { error: string } {
  const parsed = parseHostPattern(entry);
  if ('error' in parsed) return parsed;
  const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  return `${parsed.wildcard ? '*.' : ''}${host}${parsed.port === null ? '' : `:${parsed.port}`}`;
}

/**
 * The canonical name of a request of `kind`, or why it is refused.
 *
 * @example canonicalRequestName('host', 'Example.TEST.') // 'example.test'
 */
export function canonicalRequestName(kind: RequestKind, name: string): string | { error: string } {
  if (name.length === 0) return { error: `give the ${kind} to ask for` };
  if (name.length > maxNameLength) {
    return { error: `the ${kind} name is longer than ${maxNameLength} characters` };
  }
  if (kind === 'host') return canonicalRequestedHost(name);
  const spec = parsePackageSpec(name);
  return 'error' in spec ? spec : `${spec.manager}:${spec.name}`;
}

/**
 * A reason fit for a terminal: escape sequences and control characters removed (line
 * breaks and tabs become spaces), whitespace collapsed, at most `maxWhyLength` characters.
 */
export function cleanWhy(text: string): string {
  const plain = text
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > maxWhyLength ? `${plain.slice(0, maxWhyLength - 1)}…` : plain;
}
