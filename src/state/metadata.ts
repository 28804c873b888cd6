/**
 * The versioned schema of `metadata.json`, the record of one instance, and the functions
 * that load and save it. The state dir is the truth; the file is always written whole
 * (atomically), and a file from a future schema version is refused with a clear error.
 */
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { CorralError } from '../lib/errors.js';
import { fileStamp, writeFileAtomic } from '../lib/fs-atomic.js';
import { ModelPolicy, openModelPolicy } from '../protocol/model-policy.js';
import { EnforcedLimits } from './enforced-limits.js';
import { HostMount, Relaxations } from './relaxations.js';

export const metadataSchemaVersion = 1;

export const instanceStatuses = [
  'created',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'timed-out',
  /** The gateway refused a model call because the instance's budget was spent. */
  'budget-exceeded',
  'lost',
] as const;
export const InstanceStatus = z.enum(instanceStatuses);
export type InstanceStatus = z.infer<typeof InstanceStatus>;

export const endedStatuses: readonly InstanceStatus[] = [
  'succeeded',
  'failed',
  'canceled',
  'timed-out',
  'budget-exceeded',
  'lost',
];

export const BackendName = z.enum(['docker', 'local']);
export type BackendName = z.infer<typeof BackendName>;

export const Limits = z.object({
  memoryBytes: z.number().int().positive().describe('memory limit of the sandbox'),
  cpus: z.number().positive().describe('CPU limit (cores)'),
  pids: z.number().int().positive().describe('process count limit'),
});
export type Limits = z.infer<typeof Limits>;

export const Base = z.object({
  commit: z.string().describe('the commit HEAD (or --from) pointed at'),
  snapshot: z
    .string()
    .nullable()
    .describe('a commit on top of `commit` holding uncommitted changes, or null when clean'),
  ref: z.string().nullable().describe('the --from ref, when one was given'),
});
export type Base = z.infer<typeof Base>;

export const BringBack = z.object({
  commit: z.string().nullable().describe('the tip of the branch as brought back'),
  committedLeftovers: z.boolean().describe('whether uncommitted changes were committed'),
  error: z.string().nullable().default(null),
});
export type BringBack = z.infer<typeof BringBack>;

export const Summary = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  costUsd: z.number().nullable(),
  filesChanged: z.number().int().nullable(),
  /** Lines its branch added and deleted against the base (`git diff --numstat`, binary files 0). */
  linesAdded: z.number().int().nullable().default(null),
  linesDeleted: z.number().int().nullable().default(null),
  toolCalls: z.number().int(),
  denials: z.array(z.string()),
  /** Connections the egress policy refused (the gateway's or sandbox-runtime's). */
  egressDenied: z.number().int().default(0),
  /** Model calls the model gateway refused (not on the list, a model not allowed, the budget). */
  modelCallsDenied: z.number().int().default(0),
  /**
   * Hosts it tried and could not reach, first tried first: refused by the egress policy, or
   * (no network at all) named by a tool's error line in its output.
   */
  unreachableHosts: z.array(z.string()).default([]),
});
export type Summary = z.infer<typeof Summary>;

/**
 * A run in progress, as much as a restarted engine needs to go on with it: the launch's tag
 * (its files under `.git/corral-io/<tag>/`), how far it got, the backend's handle on the
 * detached process, when it must stop, and whether it was asked to.
 */
/** A command that prepares the sandbox before its agent starts (a battle's contestants). */
export const SandboxSetup = z.object({
  command: z.string().describe('run with sh -c in the workspace, on every start'),
  allowHosts: z
    .array(z.string())
    .default([])
    .describe('hosts the setup may reach besides the policy; the agent never may'),
  env: z
    .array(z.string())
    .default([])
    .describe(
      "names of the asking user's variables the setup alone gets (--setup-env); never their values",
    ),
  leftOut: z
    .array(z.string())
    .default([])
    .describe("paths the last setup left untracked in the work tree: never the agent's work"),
});
export type SandboxSetup = z.infer<typeof SandboxSetup>;

export const RunState = z.object({
  tag: z.string(),
  phase: z.enum(['starting', 'running', 'finishing']),
  process: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).nullable(),
  deadlineAt: z.string().nullable(),
  stop: z.enum(['cancel', 'timeout', 'budget']).nullable(),
  gateway: z
    .object({ pid: z.number().int(), startTicks: z.string().nullable() })
    .nullable()
    .default(null)
    .describe("the host's model gateway process of a local run (it ends with the run)"),
  baseHosts: z
    .array(z.string())
    .default([])
    .describe("hosts the sandbox reaches besides its policy's (its agent's model API)"),
});
export type RunState = z.infer<typeof RunState>;

export const Metadata = z.object({
  schemaVersion: z.literal(metadataSchemaVersion),
  id: z.string(),
  name: z.string().nullable(),
  agent: z.string(),
  backend: BackendName,
  command: z.array(z.string()),
  interactive: z.boolean(),
  sourceRepo: z.string(),
  base: Base,
  branch: z.string(),
  image: z.string().nullable(),
  limits: Limits,
  enforcedLimits: EnforcedLimits.nullable()
    .default(null)
    .describe(
      'what enforced each limit in the latest run (null where nothing did); null before a run',
    ),
  relax: Relaxations.default({}).describe(
    'hardening switched off by --unsafe-… flags; absent items (an older record: all) are on',
  ),
  mounts: z
    .array(HostMount)
    .default([])
    .describe('host paths besides the workspace (--unsafe-mount)'),
  modelPolicy: ModelPolicy.default(openModelPolicy).describe(
    'what the model gateway lets the agent call and spend besides its CLI’s calls (--allow-model-api, --model, --budget-…)',
  ),
  network: z
    .enum(['none', 'open'])
    .describe(
      'egress: none, or open (only the model API and the allowlist, through the gateway or sandbox-runtime)',
    ),
  prompt: z.string().nullable().default(null).describe('the task given to an agent (-p)'),
  agentSessionId: z
    .string()
    .nullable()
    .default(null)
    .describe("the agent's conversation id, to resume it"),
  contextFiles: z
    .array(z.string())
    .default([])
    .describe('--context files given (their text is in context.md)'),
  summary: Summary.nullable().default(null),
  keep: z.boolean(),
  timeoutMs: z.number().int().positive().nullable(),
  status: InstanceStatus,
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  createdAt: z.string(),
  preparedAt: z
    .string()
    .nullable()
    .default(null)
    .describe('when it was last made ready to start: created, or prepared to resume'),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  supervisor: z
    .object({ pid: z.number().int(), startTicks: z.string().nullable() })
    .nullable()
    .describe('the process that runs the sandbox and brings the work back'),
  sandboxId: z.string().nullable(),
  setup: SandboxSetup.nullable().default(null),
  turnBase: z
    .string()
    .nullable()
    .default(null)
    .describe(
      'the commit the latest run started from (a resume: what the run before left on the branch); null: the base',
    ),
  run: RunState.nullable()
    .default(null)
    .describe('the run in progress (detached), for whoever supervises it next'),
  workspaceRemoved: z.boolean(),
  bringBack: BringBack.nullable(),
  message: z.string().nullable().describe('what a person should know about how it ended'),
  failure: z
    .object({ code: z.string(), hint: z.string().nullable() })
    .nullable()
    .optional()
    .describe(
      "a start refused for a reason corral names (its error code, the fix): the run's exit code",
    ),
});
export type Metadata = z.infer<typeof Metadata>;

export function isEnded(status: InstanceStatus): boolean {
  return endedStatuses.includes(status);
}

/** A status in a sentence for people: a created instance whose sandbox is coming up is "starting". */
export function describeStatus(status: InstanceStatus): string {
  return status === 'created' ? 'starting' : status;
}

export async function loadMetadata(path: string): Promise<Metadata> {
  return (await loadStampedMetadata(path)).metadata;
}

/** A record and the stamp of the version of metadata.json it was read from (see fileStamp). */
export interface StampedMetadata {
  metadata: Metadata;
  stamp: string;
}

/** Reads a record and its stamp from one open file, so the two always belong together. */
export async function loadStampedMetadata(path: string): Promise<StampedMetadata> {
  let raw: string;
  let stamp: string;
  try {
    const handle = await open(path, 'r');
    try {
      stamp = fileStamp(await handle.stat({ bigint: true }));
      raw = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CorralError('INSTANCE_NOT_FOUND', `No instance record at ${path}.`, {
        hint: 'Run `corral ls` to see instances.',
      });
    }
    throw error;
  }
  return { metadata: parseMetadata(raw, path), stamp };
}

/**
 * Parses the text of a metadata.json; a record from a newer corral is refused, and one cut
 * short or holding what corral does not know is an INTERNAL error naming the file (its
 * cause the SyntaxError or ZodError).
 */
export function parseMetadata(raw: string, path: string): Metadata {
  const unreadable = (why: string, cause: unknown) =>
    new CorralError('INTERNAL', `${path} is not a record corral can read (${why}).`, {
      hint: 'It was changed outside corral: restore it, or move its directory away.',
      cause,
    });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw unreadable((error as Error).message, error);
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > metadataSchemaVersion) {
    throw new CorralError(
      'INTERNAL',
      `${path} was written by a newer corral (schema ${version}).`,
      { hint: 'Upgrade corral to read it.' },
    );
  }
  const parsed = Metadata.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw unreadable(`${issue?.path.join('.') || 'record'}: ${issue?.message}`, parsed.error);
  }
  return parsed.data;
}

/** Writes a record whole and atomically; returns the stamp of the file as written. */
export async function saveMetadata(path: string, metadata: Metadata): Promise<string> {
  return fileStamp(
    await writeFileAtomic(path, JSON.stringify(Metadata.parse(metadata), null, 2) + '\n'),
  );
}
