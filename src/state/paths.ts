/**
 * Where corral keeps things: `$CORRAL_HOME` (default `~/.corral`) and, per instance,
 * `instances/<id>/` with metadata, logs, events and the workspace. Pure path arithmetic.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';

export function getCorralHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CORRAL_HOME ?? join(homedir(), '.corral'));
}

export interface InstancePaths {
  dir: string;
  metadata: string;
  events: string;
  output: string;
  workspace: string;
  /** The text of the instance's --context files. */
  context: string;
  /** The live egress policy (`{ "allow": [...] }`), edited by `corral allow` / `deny`. */
  policyFile: string;
  /** Docker: every connection the gateway allowed or denied, one JSON line each. */
  egressLog: string;
  /** Docker: every model call the gateway metered, one JSON line each. */
  usageLog: string;
  /** How far the supervision of the current run got (orchestrator/run/run-cursor.ts). */
  runCursor: string;
}

export function getInstancesDir(home: string): string {
  return join(home, 'instances');
}

export function getInstancePaths(home: string, id: string): InstancePaths {
  // One join; the rest are fixed names appended to a normalized path (`ls` of thousands of
  // instances asks for these for each one).
  const dir = join(getInstancesDir(home), id);
  return {
    dir,
    metadata: `${dir}/metadata.json`,
    events: `${dir}/events.ndjson`,
    output: `${dir}/output.log`,
    workspace: `${dir}/workspace`,
    context: `${dir}/context.md`,
    policyFile: `${dir}/policy/egress.json`,
    egressLog: `${dir}/egress.log`,
    usageLog: `${dir}/usage.log`,
    runCursor: `${dir}/run-cursor.json`,
  };
}

/** A battle's state dir: `battles/<id>/` (orchestrator/battles/battle-record.ts). */
export interface BattlePaths {
  dir: string;
  /** The battle's record: its spec, contestants, grades and ranking. */
  record: string;
  /** One grading run's results per file: `grading/<who>.json`. */
  grading: string;
  /** Each contestant's patch against the base: `diffs/<name>.patch`. */
  diffs: string;
  /** The self-contained report. */
  report: string;
  /** Held by the one process driving the battle. */
  lock: string;
  /** Its `battle.*` events, one per line (as an instance's events.ndjson). */
  events: string;
}

export function getBattlesDir(home: string): string {
  return join(home, 'battles');
}

export function getBattlePaths(home: string, id: string): BattlePaths {
  const dir = join(getBattlesDir(home), id);
  return {
    dir,
    record: `${dir}/battle.json`,
    grading: `${dir}/grading`,
    diffs: `${dir}/diffs`,
    report: `${dir}/report.html`,
    lock: `${dir}/driver.lock`,
    events: `${dir}/events.ndjson`,
  };
}

function repoKey(repoPath: string): string {
  return createHash('sha256').update(resolve(repoPath)).digest('hex').slice(0, 16);
}

/** The lock file guarding git operations on one source repository. */
export function getRepoLockPath(home: string, repoPath: string): string {
  return join(home, 'locks', `${repoKey(repoPath)}.lock`);
}

/** Where the object caches of source repositories live (workspace/object-cache.ts). */
export function getObjectCachesDir(home: string): string {
  return join(home, 'cache', 'objects');
}

/** The object cache workspaces of one source repository are cloned from. */
export function getObjectCachePath(home: string, repoPath: string): string {
  return join(getObjectCachesDir(home), `${repoKey(repoPath)}.git`);
}

/** The lock every change of one instance's record is made under (kept out of its state dir). */
export function getRecordLockPath(home: string, id: string): string {
  return join(home, 'locks', 'records', `${id}.lock`);
}
