/**
 * What the engine offers, as one interface the CLI (and later the dashboard) programs
 * against, and the zod schemas of its inputs and outputs, which the HTTP API validates with
 * and documents itself from (`GET /v1/openapi.json`). Two implementations: the engine
 * itself (`EngineService`, in the engine process or, with `CORRAL_ENGINE=inline`, inside
 * one command) and the client that reaches it over its socket (`cli/engine-client.ts`).
 * Light on purpose: the CLI imports it without loading any backend.
 */
import { z } from 'zod';
import { CorralError } from '../lib/errors.js';
import { CorralEvent } from '../events/events.js';
import { EgressPolicy } from '../gateway/egress-policy.js';
import { ModelBudget, ModelPolicy, ModelSpent } from '../protocol/model-policy.js';
import { ModelDenialRecord } from '../protocol/model-denial-record.js';
import { HostMount, Relaxations } from '../state/relaxations.js';
import { instanceStatuses, Limits, Metadata } from '../state/metadata.js';
import { instanceSorts, type InstanceQuery } from '../store/instance-query.js';
import type { AnswerOutcome, InstanceRequests } from '../orchestrator/requests/index.js';
import type { PushResult } from '../orchestrator/push/index.js';
import type { DiffOptions, RunRequest } from '../orchestrator/orchestrator.js';

export type { DiffOptions };
import { BattleRecord } from '../orchestrator/battles/battle-record.js';
import { BattleSpec } from '../orchestrator/battles/battle-spec.js';

/** The environment a request carries: the agent's credentials and endpoints, the user's PATH. */
export const RequestEnv = z
  .record(z.string(), z.string())
  .describe("variables from the asking user's environment that the agent adapter names");
export type RequestEnv = z.infer<typeof RequestEnv>;

export const RunRequestSchema = z.object({
  repoDir: z.string().describe('the source repository (absolute path)'),
  from: z.string().optional(),
  agent: z.string(),
  command: z.array(z.string()),
  prompt: z.string().optional(),
  contextFiles: z.array(z.string()).optional(),
  allowHosts: z.array(z.string()).optional(),
  allowPresets: z.array(z.string()).optional(),
  setup: z
    .object({
      command: z.string().min(1),
      allowHosts: z.array(z.string()),
      env: z
        .array(z.string())
        .optional()
        .describe("names of the request env's variables the setup alone gets (its secrets)"),
    })
    .optional()
    .describe("run in the sandbox before the agent starts; its hosts are never the agent's"),
  backend: z.enum(['auto', 'docker', 'local']),
  image: z.string().optional(),
  name: z.string().optional(),
  keep: z.boolean(),
  timeoutMs: z.number().int().positive().optional(),
  interactive: z.boolean(),
  limits: Limits,
  relax: Relaxations.optional(),
  mounts: z.array(HostMount).optional(),
  modelPolicy: ModelPolicy.optional(),
  baseHistoryOnly: z
    .boolean()
    .optional()
    .describe("the workspace holds the base's history only (a battle's contestants)"),
});

/** Fails to compile when the orchestrator's RunRequest gains a field this schema would strip. */
type KeysCovered<A, B> = [Exclude<keyof A, keyof B>] extends [never] ? true : false;
export const runRequestCovered: KeysCovered<RunRequest, z.infer<typeof RunRequestSchema>> = true;

export const CreateInstanceInput = z.object({
  request: RunRequestSchema,
  env: RequestEnv,
  /** Start it in the engine at once (a detached run); else it waits for `start`. */
  start: z.boolean(),
});
export type CreateInstanceInput = z.infer<typeof CreateInstanceInput>;

export const ResumeInput = z.object({
  command: z.array(z.string()).optional(),
  prompt: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
  interactive: z.boolean(),
  env: RequestEnv,
  start: z.boolean(),
  /**
   * A new budget: each limit given replaces the recorded one. Spelled out, not
   * `ModelBudget.partial()`: zod 4 would fill a missing limit with its default (none),
   * lifting the recorded one.
   */
  budget: z
    .object({
      tokens: ModelBudget.shape.tokens.unwrap().optional(),
      usd: ModelBudget.shape.usd.unwrap().optional(),
      rpm: ModelBudget.shape.rpm.unwrap().optional(),
    })
    .optional(),
});
export type ResumeInput = z.infer<typeof ResumeInput>;

/** `GET /v1/instances`'s query: lists are comma-separated; each filter given must hold. */
export const ListQueryParams = z.object({
  status: z
    .string()
    .optional()
    .describe(`any of these statuses (${instanceStatuses.join(', ')})`),
  agent: z.string().optional().describe('any of these agents'),
  repo: z.string().optional().describe("a source repository: its root's path, or its name"),
  sinceMs: z.coerce.number().int().optional().describe('created at or after (ms since the epoch)'),
  sort: z.enum(instanceSorts).optional(),
  limit: z.coerce.number().int().positive().optional(),
});

/** The query as the engine takes it from a parsed request. */
export function listQueryFromParams(params: z.infer<typeof ListQueryParams>): InstanceQuery {
  const list = (text: string) => text.split(',').filter(Boolean);
  const statuses = params.status === undefined ? undefined : list(params.status);
  const unknown = statuses?.find((s) => !(instanceStatuses as readonly string[]).includes(s));
  if (unknown !== undefined) {
    throw new CorralError('USAGE', `status: no status '${unknown}'.`, {
      hint: `Use ${instanceStatuses.join(', ')}.`,
    });
  }
  return {
    ...(statuses ? { status: statuses as InstanceQuery['status'] } : {}),
    ...(params.agent !== undefined ? { agent: list(params.agent) } : {}),
    ...(params.repo !== undefined ? { repo: params.repo } : {}),
    ...(params.sinceMs !== undefined ? { sinceMs: params.sinceMs } : {}),
    ...(params.sort !== undefined ? { sort: params.sort } : {}),
    ...(params.limit !== undefined ? { limit: params.limit } : {}),
  };
}

/** The query string for `query` (the client's side of listQueryFromParams). */
export function listQueryToParams(query: InstanceQuery): Record<string, string> {
  const params: Record<string, string> = {};
  if (query.status) params.status = query.status.join(',');
  if (query.agent) params.agent = query.agent.join(',');
  if (query.repo !== undefined) params.repo = query.repo;
  if (query.sinceMs !== undefined) params.sinceMs = String(query.sinceMs);
  if (query.sort !== undefined) params.sort = query.sort;
  if (query.limit !== undefined) params.limit = String(query.limit);
  return params;
}

export const RemoveInput = z.object({
  force: z.boolean().optional(),
  deleteBranch: z.boolean().optional(),
});

export const DiffResult = z.object({
  id: z.string(),
  status: z.string(),
  base: z.string(),
  branch: z.string(),
  files: z.array(
    z.object({ path: z.string(), added: z.number().nullable(), deleted: z.number().nullable() }),
  ),
  patch: z.string(),
});
export type DiffResult = z.infer<typeof DiffResult>;

export const EgressAttemptsSchema = z.object({
  host: z.string(),
  port: z.number(),
  allowed: z.boolean(),
  count: z.number(),
  last: z.string(),
  reason: z.string().nullable(),
});

export const PolicyResult = z.object({
  metadata: Metadata,
  policy: EgressPolicy,
  tried: z.array(EgressAttemptsSchema),
  /** The calls its agent's CLI makes (`METHOD /path`), which the gateway allows. */
  modelCalls: z.array(z.string()),
  modelUsage: z.object({
    spent: ModelSpent,
    refused: z.array(
      z.object({
        method: z.string(),
        path: z.string(),
        reason: ModelDenialRecord.shape.reason,
        count: z.number(),
        last: z.string(),
        message: z.string(),
      }),
    ),
  }),
});
export type PolicyResult = z.infer<typeof PolicyResult>;

export const PolicyEdit = z.object({
  change: z.enum(['allow', 'deny']),
  hosts: z.array(z.string()).min(1),
});

export const GcItemSchema = z.object({
  kind: z.string(),
  target: z.string(),
  reason: z.string(),
});
export const GcReportSchema = z.object({
  dryRun: z.boolean(),
  removed: z.array(GcItemSchema),
  kept: z.array(GcItemSchema),
});
export type GcReportResult = z.infer<typeof GcReportSchema>;

export const PushInput = z.object({
  remote: z.string(),
  pullRequest: z.boolean(),
  base: z.string().optional(),
  /** Where a relative repository path given as the remote is resolved. */
  cwd: z.string(),
  env: RequestEnv,
});
export type PushInput = z.infer<typeof PushInput>;

export const PushResultSchema = z.object({
  id: z.string(),
  branch: z.string(),
  remote: z.string(),
  url: z.string(),
  commit: z.string(),
  credential: z.string(),
  pullRequest: z
    .object({ number: z.number(), url: z.string(), existing: z.boolean() })
    .passthrough()
    .nullable(),
});
export type PushResultType = PushResult;

const RequestSchema = z
  .object({
    id: z.string(),
    n: z.number(),
    kind: z.string(),
    name: z.string(),
    why: z.string(),
    status: z.string(),
    ts: z.string(),
  })
  .passthrough();
export const RequestsResultSchema = z.object({
  requests: z.array(RequestSchema),
  skipped: z.number(),
});
export type RequestsResult = InstanceRequests;

export const AnswerResultSchema = z
  .object({
    request: RequestSchema,
    answer: z.object({ decision: z.string() }).passthrough(),
    allow: z.array(z.string()).optional(),
    image: z.string().optional(),
    resumed: z.boolean(),
    restarted: z.boolean(),
  })
  .passthrough();
export type AnswerResult = AnswerOutcome;

export const EngineStatus = z.object({
  pid: z.number(),
  version: z.string(),
  startedAt: z.string(),
  uptimeMs: z.number(),
  socket: z.string(),
  tcp: z.string().nullable(),
  home: z.string(),
  /** Instances whose runs this engine supervises now. */
  instances: z.array(z.string()),
  /** Resident memory of the engine process, bytes. */
  rssBytes: z.number(),
  inline: z.boolean(),
});
export type EngineStatus = z.infer<typeof EngineStatus>;

/** The error of a response body: `{ error: { code, message, hint } }`. */
export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }),
});

/** A piece of a run's output as it went to output.log, made terminal-safe. */
export const OutputChunkSchema = z.object({
  stream: z.enum(['stdout', 'stderr']),
  text: z.string(),
  /** Where it starts in output.log (bytes). */
  offset: z.number(),
  /** Where it ends there: the `from` to go on with after a dropped connection. */
  end: z.number(),
});
export type OutputChunkEvent = z.infer<typeof OutputChunkSchema>;

/** A battle to start: its spec, where, and the credentials its contestants' agents name. */
export const StartBattleInput = z.object({
  repoDir: z.string().describe('the source repository (absolute path)'),
  spec: BattleSpec,
  backend: z.enum(['auto', 'docker', 'local']),
  limits: Limits,
  env: RequestEnv,
});
export type StartBattleInput = z.infer<typeof StartBattleInput>;

const TestCountsSchema = z.object({
  passed: z.number(),
  failed: z.number(),
  skipped: z.number(),
  errored: z.number(),
});

export const BattleBody = z.object({ battle: BattleRecord });
export const BattlesBody = z.object({ battles: z.array(BattleRecord) });

/** One grade (grade.ts), as the API hands it out: the sets, the flags, the score's breakdown. */
const GradeSchema = z.object({
  resolved: z.boolean(),
  infrastructure: z.boolean(),
  infrastructureReason: z.string().nullable(),
  suiteRan: z.boolean(),
  counts: TestCountsSchema.nullable(),
  failToPass: z.object({
    named: z.boolean(),
    total: z.number(),
    passed: z.number(),
    failing: z.array(z.string()),
    unlisted: z.number(),
  }),
  passToPass: z.object({
    named: z.boolean(),
    total: z.number(),
    passed: z.number(),
    broken: z.array(z.string()),
    unlisted: z.number(),
  }),
  flags: z.array(z.object({ code: z.string(), message: z.string() })),
  score: z.number(),
  breakdown: z.array(
    z.object({ part: z.string(), weight: z.number(), value: z.number(), note: z.string() }),
  ),
});

/**
 * `GET /v1/battles/{id}/results`: its grades and ranking as they stand (battle-results.ts),
 * computed afresh, so they fill in as gradings end; the base's run without its test list.
 */
export const BattleResultsBody = z.object({
  battle: z.string(),
  /** Every contestant, best first (those not graded yet last); final once the record is ranked. */
  ranking: z.array(z.object({ name: z.string(), rank: z.number(), reason: z.string() })),
  /** Each graded contestant's grade, by name. */
  grades: z.record(z.string(), GradeSchema),
  /** The base's grading run; null until it is graded. */
  base: z
    .object({
      counts: TestCountsSchema.nullable(),
      exitCode: z.number().nullable(),
      failure: z.enum(['setup-failed', 'timed-out', 'sandbox-failed']).nullable(),
    })
    .nullable(),
});
export type BattleResultsBody = z.infer<typeof BattleResultsBody>;

export const MergeBattleInput = z.object({
  contestant: z.string().optional().describe('merge this one instead of the winner'),
  prune: z.boolean().describe("delete the other contestants' branches instead of archiving them"),
});
export type MergeBattleInput = z.infer<typeof MergeBattleInput>;

export const MergeBattleResult = z.object({
  battle: z.string(),
  contestant: z.string(),
  branch: z.string(),
  into: z.string(),
  how: z.enum(['fast-forward', 'merge', 'applied-to-tree']),
  commit: z.string(),
  others: z.array(z.object({ name: z.string(), branch: z.string(), to: z.string().nullable() })),
});
export type MergeBattleResult = z.infer<typeof MergeBattleResult>;

/** `battle merge --pr`: the contestant's branch pushed host-side, a pull request opened. */
export const ProposeBattleInput = z.object({
  contestant: z.string().optional().describe('propose this one instead of the winner'),
  remote: z.string(),
  /** The pull request's base (default: the branch the battle started from). */
  base: z.string().optional(),
  cwd: z.string(),
  env: RequestEnv,
});
export type ProposeBattleInput = z.infer<typeof ProposeBattleInput>;

export interface FollowOptions {
  /** Events after this sequence number (0: from the start; -1: only events to come). */
  after: number;
  /** Keep following until the instance ends; else return once caught up. */
  follow: boolean;
  signal?: AbortSignal;
  /** Called once what was asked for from the past is delivered and live ones follow (with the sequence number reached). */
  onReady?: (seq: number) => void;
  /** What the run says for people while it runs here (progress, an image build, traces). */
  onNote?: (line: string) => void;
}

/** Where `GET /v1/events` starts and whether it follows. */
export interface AllEventsOptions {
  /** Entries after this gseq (0: every journaled one; -1: only those to come). */
  after: number;
  follow: boolean;
  signal?: AbortSignal;
  /** Called once the past is delivered, with the gseq reached. */
  onReady?: (gseq: number) => void;
}

/** One event in the all-instances stream: its place there, and the event. */
export interface FeedEntry {
  gseq: number;
  event: CorralEvent;
}

export interface EngineApi {
  readonly inline: boolean;
  status(): Promise<EngineStatus>;
  /** Stops the engine: at once, or once no run is hosted. */
  shutdown(options: { now: boolean }): Promise<void>;

  createInstance(input: CreateInstanceInput): Promise<Metadata>;
  startInstance(ref: string, env: RequestEnv): Promise<Metadata>;
  getInstance(ref: string): Promise<Metadata>;
  listInstances(query: InstanceQuery): Promise<Metadata[]>;
  stopInstance(ref: string): Promise<Metadata>;
  resumeInstance(ref: string, input: ResumeInput): Promise<Metadata>;
  removeInstance(ref: string, options: z.infer<typeof RemoveInput>): Promise<Metadata>;
  diff(ref: string, options: DiffOptions): Promise<DiffResult>;
  loadPolicy(ref: string): Promise<PolicyResult>;
  editPolicy(ref: string, edit: z.infer<typeof PolicyEdit>): Promise<PolicyResult>;
  gc(options: { dryRun: boolean }): Promise<GcReportResult>;
  push(ref: string, input: PushInput): Promise<PushResultType>;
  listRequests(options: { ref?: string; all: boolean }): Promise<RequestsResult>;
  approveRequest(
    ref: string,
    n: number,
    options: { resume: boolean; env: RequestEnv },
  ): Promise<AnswerResult>;
  rejectRequest(ref: string, n: number, reason: string | null): Promise<AnswerResult>;

  /** Writes a battle's record and drives it here (the engine's, not the asking command's). */
  startBattle(input: StartBattleInput): Promise<BattleRecord>;
  /** Drives again a battle nobody drives (its record as it stands; a graded one is left). */
  resumeBattle(id: string, env: RequestEnv): Promise<BattleRecord>;
  /** Stops driving it (the contestants stopped, their work kept); its record then. */
  stopBattle(id: string): Promise<BattleRecord>;
  getBattle(id: string): Promise<BattleRecord>;
  /** Its grades and ranking as they stand (read-only; computed from its grading files). */
  getBattleResults(id: string): Promise<BattleResultsBody>;
  listBattles(): Promise<BattleRecord[]>;
  mergeBattle(id: string, input: MergeBattleInput): Promise<MergeBattleResult>;
  /** Pushes a contestant's branch and opens a pull request whose body is its grade. */
  proposeBattle(
    id: string,
    input: ProposeBattleInput,
  ): Promise<PushResultType & { battle: string; contestant: string }>;
  /** A battle's `battle.*` events in order; following, until nobody drives it any more. */
  followBattle(
    id: string,
    options: FollowOptions,
    onEvent: (event: CorralEvent) => void,
  ): Promise<void>;

  /**
   * Every instance's events (those of runs this engine hosted), each with its place in the
   * joint stream; resolves when caught up, or, following, when `signal` aborts.
   */
  followAllEvents(options: AllEventsOptions, onEntry: (entry: FeedEntry) => void): Promise<void>;
  /** An instance's events in order; resolves when caught up (or, following, when it ended). */
  followEvents(
    ref: string,
    options: FollowOptions,
    onEvent: (event: CorralEvent) => void,
  ): Promise<void>;
  /**
   * A run's output, terminal-safe: what output.log holds from `from` (bytes; -1: nothing
   * old), then live; resolves once the instance has ended (or at once when not following).
   */
  followOutput(
    ref: string,
    options: {
      from: number;
      follow: boolean;
      signal?: AbortSignal;
      /** Once caught up: with the offset in output.log reached. */
      onReady?: (offset: number) => void;
    },
    /** May return a promise: reading what is on file waits for it (a slow client's pace). */
    onChunk: (chunk: OutputChunkEvent) => void | Promise<void>,
  ): Promise<void>;
}
