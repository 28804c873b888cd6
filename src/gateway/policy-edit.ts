/**
 * Host-side edits of an instance's egress policy file, for `corral allow` / `corral deny`:
 * add or remove one allowlist entry, validated with the gateway's own grammar, written
 * atomically (temp file + rename) under a lock so two edits never lose each other. The
 * gateway picks the new file up by itself (`policy-watcher.ts`); nothing is restarted.
 *
 * Because the file is replaced by a rename, the Compose side must bind-mount the `policy/`
 * directory, not the file: a single-file bind mount pins the old inode.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CorralError } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import { acquireLock } from '../lib/lock.js';
import { denyAllPolicy, parseEgressPolicy, type EgressPolicy } from './egress-policy.js';
import { parseHostPattern } from './host-pattern.js';

/** Reads a policy file; a missing file is the deny-all policy, a bad one an error. */
export async function loadEgressPolicy(path: string): Promise<EgressPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { allow: [] };
    throw new CorralError('IO_ERROR', `Cannot read the egress policy ${path}.`, { cause: error });
  }
  const parsed = parseEgressPolicy(text);
  if (!parsed.ok) {
    throw new CorralError('USAGE', `The egress policy ${path} is invalid: ${parsed.error}.`, {
      hint: 'Fix the file by hand, or delete it to start again from deny-all.',
    });
  }
  return parsed.policy;
}

/** The canonical spelling of an entry, so `GitHub.com.` and `github.com` are one entry. */
function canonicalEntry(entry: string): string {
  const parsed = parseHostPattern(entry);
  if ('error' in parsed) {
    throw new CorralError('USAGE', `Cannot use ${parsed.error}.`, {
      hint: 'Give a host like registry.npmjs.org, *.github.com or 127.0.0.1:8080.',
    });
  }
  const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  return `${parsed.wildcard ? '*.' : ''}${host}${parsed.port === null ? '' : `:${parsed.port}`}`;
}

async function editPolicy(
  path: string,
  edit: (allow: string[]) => string[],
): Promise<EgressPolicy> {
  await mkdir(dirname(path), { recursive: true });
  const lock = await acquireLock(`${path}.lock`, { timeoutMs: 10_000 });
  try {
    const current = await loadEgressPolicy(path);
    const next: EgressPolicy = { ...current, allow: edit(current.allow) };
    await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  } finally {
    await lock.release();
  }
}

/**
 * Adds an entry (no-op if already there) and returns the new policy.
 *
 * @example
 *   await allowHost(join(stateDir, 'policy', egressPolicyFileName), '*.github.com');
 */
export async function allowHost(path: string, entry: string): Promise<EgressPolicy> {
  const wanted = canonicalEntry(entry);
  return editPolicy(path, (allow) =>
    allow.some((e) => canonicalEntry(e) === wanted) ? allow : [...allow, wanted],
  );
}

/** Removes an entry (its exact spelling, case and trailing dot aside) and returns the new policy. */
export async function denyHost(path: string, entry: string): Promise<EgressPolicy> {
  const unwanted = canonicalEntry(entry);
  return editPolicy(path, (allow) => allow.filter((e) => canonicalEntry(e) !== unwanted));
}

/** Writes a whole policy (used when an instance is created). */
export async function writeEgressPolicy(path: string, policy: EgressPolicy = denyAllPolicy) {
  const checked = parseEgressPolicy(JSON.stringify(policy));
  if (!checked.ok)
    throw new CorralError('USAGE', `Cannot write the egress policy: ${checked.error}.`);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(checked.policy, null, 2)}\n`);
}
