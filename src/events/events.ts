/**
 * The versioned event union: one normalized record of something that happened to an
 * instance, appended to `events.ndjson`. Every switch over `CorralEvent['type']` is
 * exhaustive (lint enforces it). Lifecycle events come from the orchestrator; `agent.*`
 * events are what an agent adapter reads out of its CLI's output; `egress` and
 * `gateway.usage` and `gateway.denied` are what an instance's gateway logged (connections,
 * metered model calls, model calls it refused); `request.*` events are the agent's requests for a host or a package and the
 * person's answers; `raw` keeps any line no adapter understood, so nothing is ever dropped.
 */
import { z } from 'zod';
import { EgressRecord } from '../protocol/egress-record.js';
import { ModelDenialRecord } from '../protocol/model-denial-record.js';
import { UsageRecord } from '../protocol/usage-record.js';
import { Base, InstanceStatus } from '../state/index.js';

export const eventSchemaVersion = 1;

const common = {
  v: z.literal(eventSchemaVersion),
  /** Its line number in the instance's events.ndjson (from 1): the id clients resume from. */
  seq: z.number().int().positive().optional(),
  ts: z.string(),
  id: z.string(),
};

/**
 * A gateway log line as an event carries it: the record without its own time (the
 * event's `ts` is when it was read) and, for usage, without the stream flag. Parsing a
 * line with these drops those keys.
 */
export const EgressLine = EgressRecord.omit({ ts: true });
export const UsageLine = UsageRecord.omit({ ts: true, stream: true });
export const DenialLine = ModelDenialRecord.omit({ ts: true, denied: true });

export const CorralEvent = z.discriminatedUnion('type', [
  z.object({
    ...common,
    type: z.literal('instance.created'),
    backend: z.string(),
    branch: z.string(),
    base: Base,
    command: z.array(z.string()),
  }),
  z.object({ ...common, type: z.literal('instance.started'), sandboxId: z.string() }),
  /** Its state dir, log included, is gone (`corral rm`): said in the joint stream only. */
  z.object({ ...common, type: z.literal('instance.removed') }),
  z.object({ ...common, type: z.literal('setup.started'), command: z.string() }),
  z.object({
    ...common,
    type: z.literal('setup.ended'),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    durationMs: z.number().int(),
    /** The end of what it printed (both streams), for a failure's why. */
    output: z.string(),
  }),
  z.object({
    ...common,
    type: z.literal('process.exited'),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
  }),
  z.object({
    ...common,
    type: z.literal('bring-back.done'),
    commit: z.string(),
    committedLeftovers: z.boolean(),
  }),
  z.object({ ...common, type: z.literal('bring-back.failed'), error: z.string() }),
  z.object({
    ...common,
    type: z.literal('instance.ended'),
    status: InstanceStatus,
    exitCode: z.number().int().nullable(),
    durationMs: z.number().int(),
  }),
  z.object({ ...common, type: z.literal('agent.session'), sessionId: z.string() }),
  z.object({ ...common, type: z.literal('agent.text'), text: z.string() }),
  z.object({
    ...common,
    type: z.literal('agent.tool-call'),
    callId: z.string().nullable(),
    tool: z.string(),
    input: z.unknown(),
    /** The file or command the call is about, for one-line rendering. */
    target: z.string().nullable(),
  }),
  z.object({
    ...common,
    type: z.literal('agent.tool-result'),
    callId: z.string().nullable(),
    ok: z.boolean(),
    output: z.string(),
  }),
  z.object({
    ...common,
    type: z.literal('agent.command'),
    command: z.string(),
    exitCode: z.number().int().nullable(),
    output: z.string().nullable(),
  }),
  z.object({
    ...common,
    type: z.literal('agent.file-change'),
    path: z.string(),
    change: z.enum(['add', 'modify', 'delete', 'rename']).nullable(),
  }),
  z.object({
    ...common,
    type: z.literal('agent.usage'),
    model: z.string().nullable(),
    inputTokens: z.number().nonnegative(),
    outputTokens: z.number().nonnegative(),
    cacheReadTokens: z.number().nonnegative(),
    cacheWriteTokens: z.number().nonnegative(),
    costUsd: z.number().nonnegative().nullable(),
  }),
  z.object({ ...common, type: z.literal('agent.error'), message: z.string() }),
  z.object({
    ...common,
    type: z.literal('agent.task'),
    /** A background task or subagent the agent started, or one that ended. */
    taskId: z.string(),
    state: z.string(),
    description: z.string(),
  }),
  z.object({
    ...common,
    type: z.literal('agent.end'),
    ok: z.boolean(),
    result: z.string().nullable(),
    /** Actions the agent CLI refused (Claude Code's permission_denials), surfaced, never hidden. */
    denials: z.array(z.string()),
  }),
  /** A connection the gateway's egress proxy allowed or denied (its egress.log line). */
  EgressLine.extend({ ...common, type: z.literal('egress') }),
  /** One model-API response as the gateway metered it (its usage.log line). */
  UsageLine.extend({ ...common, type: z.literal('gateway.usage') }),
  /** A model call the gateway refused (its usage.log line marked `denied`). */
  DenialLine.extend({ ...common, type: z.literal('gateway.denied') }),
  z.object({
    ...common,
    type: z.literal('request.opened'),
    /** The request's number within the instance (what `corral approve <id> <n>` takes). */
    n: z.number().int().positive(),
    kind: z.enum(['host', 'package']),
    /** A host as the allowlist spells it, or a package as `apt:jq` / `npm:left-pad`. */
    name: z.string(),
    why: z.string(),
  }),
  z.object({
    ...common,
    type: z.literal('request.answered'),
    n: z.number().int().positive(),
    kind: z.enum(['host', 'package']),
    name: z.string(),
    decision: z.enum(['approved', 'rejected']),
    by: z.string().nullable(),
    reason: z.string().nullable(),
  }),
  /** A battle's own events (`id` is the battle's): its status, each contestant's steps, its ranking. */
  z.object({
    ...common,
    type: z.literal('battle.status'),
    status: z.enum(['running', 'interrupted', 'graded']),
    /** Why it was interrupted (a start refused, its driver gone), when it was. */
    reason: z.string().nullable(),
    /** The error that interrupted it, for a client to report with its own exit code. */
    error: z
      .object({ code: z.string(), message: z.string(), hint: z.string().optional() })
      .nullable(),
  }),
  z.object({
    ...common,
    type: z.literal('battle.contestant'),
    /** The contestant's name, or `base` for the base's grading. */
    name: z.string(),
    step: z.enum(['started', 'ended', 'grading', 'graded', 'no-work', 'infrastructure']),
    instanceId: z.string().nullable(),
    /** What the step came to, for one line: the run's status, a note. */
    detail: z.string().nullable(),
  }),
  z.object({
    ...common,
    type: z.literal('battle.budget'),
    reached: z.string(),
  }),
  z.object({
    ...common,
    type: z.literal('battle.ranked'),
    ranking: z.array(z.object({ name: z.string(), rank: z.number().int(), reason: z.string() })),
  }),
  z.object({
    ...common,
    type: z.literal('battle.merged'),
    contestant: z.string(),
    how: z.string(),
    into: z.string(),
    commit: z.string(),
  }),
  z.object({
    ...common,
    type: z.literal('raw'),
    line: z.string(),
    stream: z.enum(['stdout', 'stderr']).optional(),
  }),
]);
export type CorralEvent = z.infer<typeof CorralEvent>;
export type CorralEventType = CorralEvent['type'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event as a producer writes it: version, sequence number and time are filled in on append. */
export type NewEvent = DistributiveOmit<CorralEvent, 'v' | 'ts' | 'seq'>;

/** One line of `events.ndjson` read back; a line that does not parse is kept as `raw`. */
export function parseEventLine(line: string, id: string): CorralEvent {
  try {
    const parsed = CorralEvent.safeParse(JSON.parse(line));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through: kept as raw
  }
  return { v: eventSchemaVersion, ts: new Date().toISOString(), id, type: 'raw', line };
}

function lastLine(text: string): string {
  return firstLine(text.trimEnd().split('\n').at(-1) ?? '');
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}…` : line;
}

/** One line for people. */
export function describeEvent(event: CorralEvent): string {
  switch (event.type) {
    case 'instance.created':
      return `created on ${event.backend}, branch ${event.branch}, base ${(event.base.snapshot ?? event.base.commit).slice(0, 12)}`;
    case 'instance.started':
      return `sandbox ${event.sandboxId.slice(0, 12)} started`;
    case 'instance.removed':
      return 'removed';
    case 'setup.started':
      return `setup: ${event.command}`;
    case 'setup.ended':
      return `setup ${event.exitCode === 0 ? 'done' : event.signal ? `killed by ${event.signal}` : `failed (exit ${event.exitCode})`} in ${(event.durationMs / 1000).toFixed(1)} s${event.exitCode === 0 ? '' : `: ${lastLine(event.output)}`}`;
    case 'process.exited':
      return event.signal
        ? `process killed by ${event.signal}`
        : `process exited with ${event.exitCode}`;
    case 'bring-back.done':
      return `branch at ${event.commit.slice(0, 12)}${event.committedLeftovers ? ' (leftovers committed)' : ''}`;
    case 'bring-back.failed':
      return `bring-back failed: ${event.error}`;
    case 'instance.ended':
      return `ended ${event.status}${event.exitCode === null ? '' : ` (exit ${event.exitCode})`}`;
    case 'agent.session':
      return `session ${event.sessionId}`;
    case 'agent.text':
      return event.text;
    case 'agent.tool-call':
      return `→ ${event.tool}${event.target ? ` ${event.target}` : ''}`;
    case 'agent.tool-result':
      return `${event.ok ? '←' : '✘'} ${firstLine(event.output)}`;
    case 'agent.command':
      return `$ ${event.command}${event.exitCode === null ? '' : ` (exit ${event.exitCode})`}`;
    case 'agent.file-change':
      return `${event.change ?? 'change'} ${event.path}`;
    case 'agent.usage':
      return `tokens in ${event.inputTokens}, out ${event.outputTokens}${event.costUsd === null ? '' : `, $${event.costUsd.toFixed(4)}`}`;
    case 'agent.error':
      return `error: ${event.message}`;
    case 'agent.task':
      return `task ${event.state}: ${firstLine(event.description)}`;
    case 'agent.end':
      return `agent ${event.ok ? 'finished' : 'failed'}${event.denials.length ? `; refused: ${event.denials.join(', ')}` : ''}`;
    case 'egress':
      return event.allowed
        ? `egress ${event.host}:${event.port} allowed (${event.bytesUp} B up, ${event.bytesDown} B down)`
        : `egress ${event.host}:${event.port} DENIED${event.reason ? `: ${event.reason}` : ''}`;
    case 'gateway.usage':
      return `model call ${event.api} ${event.path} (${event.status}): tokens in ${event.inputTokens}, out ${event.outputTokens}${event.costUsd === null ? '' : `, $${event.costUsd.toFixed(4)}`}`;
    case 'gateway.denied':
      return `model call ${event.method} ${event.path} REFUSED (${event.reason}): ${event.message}`;
    case 'request.opened':
      return `request ${event.n}: ${event.kind} ${event.name} (${event.why}); answer with corral approve/reject ${event.id} ${event.n}`;
    case 'request.answered':
      return `request ${event.n} ${event.decision}${event.by ? ` by ${event.by}` : ''}: ${event.kind} ${event.name}${event.reason ? ` (${event.reason})` : ''}`;
    case 'battle.status':
      return `battle ${event.status}${event.reason ? `: ${event.reason}` : ''}`;
    case 'battle.contestant':
      return `${event.name}: ${event.step}${event.detail ? ` (${event.detail})` : ''}`;
    case 'battle.budget':
      return `battle reached ${event.reached}; the contestants still running are stopped`;
    case 'battle.ranked':
      return `ranked: ${event.ranking.map((r) => `${r.rank}. ${r.name}`).join(', ')}`;
    case 'battle.merged':
      return `merged ${event.contestant} into ${event.into} (${event.how}, ${event.commit.slice(0, 12)})`;
    case 'raw':
      return event.line;
  }
}
