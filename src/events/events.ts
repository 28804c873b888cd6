/**
 * The versioned event union: one normalized record of something that happened to an
 * instance, appended to `events.ndjson`. Every switch over `CorralEvent['type']` is
 * exhaustive (lint enforces it). Version 1 carries the lifecycle; agent events (text,
 * tool calls, usage) join the union as their adapters arrive.
 */
import { z } from 'zod';
import { Base, InstanceStatus } from '../state/index.js';

export const eventSchemaVersion = 1;

const common = { v: z.literal(eventSchemaVersion), ts: z.string(), id: z.string() };

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
  z.object({ ...common, type: z.literal('raw'), line: z.string() }),
]);
export type CorralEvent = z.infer<typeof CorralEvent>;
export type CorralEventType = CorralEvent['type'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event as a producer writes it: version and time are filled in on append. */
export type NewEvent = DistributiveOmit<CorralEvent, 'v' | 'ts'>;

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

/** One line for people. */
export function describeEvent(event: CorralEvent): string {
  switch (event.type) {
    case 'instance.created':
      return `created on ${event.backend}, branch ${event.branch}, base ${(event.base.snapshot ?? event.base.commit).slice(0, 12)}`;
    case 'instance.started':
      return `sandbox ${event.sandboxId.slice(0, 12)} started`;
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
    case 'raw':
      return event.line;
  }
}
