/**
 * The engine API's types, as the dashboard uses them: taken from the engine's own
 * definitions (type-only imports, erased from the bundle), never restated here, so a change
 * to a record or an event fails the dashboard's typecheck instead of its users.
 */
import type { CorralEvent } from '../../../src/events/events.js';
import type {
  BattleResultsBody,
  DiffResult,
  EngineStatus,
  MergeBattleResult,
  PolicyResult,
} from '../../../src/engine/engine-api.js';
import type {
  BattleRecord,
  BattleStatus,
  ContestantState,
} from '../../../src/orchestrator/battles/battle-record.js';
import type { InstanceRequest } from '../../../src/orchestrator/requests/instance-requests.js';
import type { InstanceStatus, Metadata } from '../../../src/state/metadata.js';

export type { CorralEvent, DiffResult, EngineStatus, InstanceRequest, InstanceStatus, Metadata };
export type { BattleRecord, BattleStatus, ContestantState, MergeBattleResult };
export type PolicyInfo = PolicyResult;
export type BattleResults = BattleResultsBody;
export type Grade = BattleResultsBody['grades'][string];

/** One entry of `GET /v1/events`: the event and its place in the joint stream. */
export interface FeedEntry {
  gseq: number;
  event: CorralEvent;
}

/**
 * The statuses an instance can have, in the order the filter offers them (values cannot be
 * imported from the engine's code; the check below fails to compile when one is missing).
 */
export const statuses = [
  'created',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'timed-out',
  'budget-exceeded',
  'lost',
] as const satisfies readonly InstanceStatus[];
type Missing = Exclude<InstanceStatus, (typeof statuses)[number]>;
export const statusesCovered: [Missing] extends [never] ? true : false = true;

export function isEndedStatus(status: InstanceStatus): boolean {
  return status !== 'created' && status !== 'running';
}
