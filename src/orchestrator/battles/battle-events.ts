/**
 * A battle's events (`battle.*`), read off its record: each save of the record is compared
 * with the one before, and what changed becomes events (its status, a contestant started,
 * ended, graded; the budget reached; the ranking; the merge). Deriving them from the record,
 * the one truth a battle goes on from, means the events can never tell another story than
 * the record, and a resumed battle says again only what changed since.
 */
import type { NewEvent } from '../../events/index.js';
import { baseGradingName, type BattleRecord, type GradingState } from './battle-record.js';

/** What changed from `before` (null: nothing known yet) to `after`, as events. */
export function battleEvents(before: BattleRecord | null, after: BattleRecord): NewEvent[] {
  const id = after.id;
  const out: NewEvent[] = [];
  if (before?.status !== after.status && after.status !== 'interrupted') {
    out.push({ id, type: 'battle.status', status: after.status, reason: null, error: null });
  }
  if (after.budgetReached !== null && before?.budgetReached !== after.budgetReached) {
    out.push({ id, type: 'battle.budget', reached: after.budgetReached });
  }
  out.push(...gradingEvents(id, baseGradingName, before?.baseGrading ?? null, after.baseGrading));
  for (const c of after.contestants) {
    const was = before?.contestants.find((b) => b.name === c.name) ?? null;
    if (c.instanceId !== null && was?.instanceId !== c.instanceId) {
      out.push(step(id, c.name, 'started', c.instanceId, null));
    }
    if (c.run !== null && (was?.run ?? null) === null) {
      const exit = c.run.exitCode === null ? '' : `, exit ${c.run.exitCode}`;
      out.push(step(id, c.name, 'ended', c.instanceId, `${c.run.status}${exit}`));
    }
    out.push(...gradingEvents(id, c.name, was?.grading ?? null, c.grading));
  }
  if (after.ranking !== null && (before?.ranking ?? null) === null) {
    out.push({ id, type: 'battle.ranked', ranking: after.ranking });
  }
  if (after.merged !== null && before?.merged?.at !== after.merged.at) {
    const { contestant, how, into, commit } = after.merged;
    out.push({ id, type: 'battle.merged', contestant, how, into, commit });
  }
  return out;
}

/** A battle interrupted: why, and the error a client reports (with its exit code), if any. */
export function battleInterrupted(
  id: string,
  reason: string,
  error: { code: string; message: string; hint?: string } | null,
): NewEvent {
  return { id, type: 'battle.status', status: 'interrupted', reason, error };
}

function gradingEvents(
  id: string,
  name: string,
  before: GradingState | null,
  after: GradingState,
): NewEvent[] {
  const out: NewEvent[] = [];
  if (after.instanceId !== null && before?.instanceId !== after.instanceId) {
    out.push(step(id, name, 'grading', after.instanceId, `attempt ${after.attempts}`));
  }
  if (after.outcome !== null && before?.outcome !== after.outcome) {
    out.push(step(id, name, after.outcome, null, after.note));
  }
  return out;
}

function step(
  id: string,
  name: string,
  what: 'started' | 'ended' | 'grading' | 'graded' | 'no-work' | 'infrastructure',
  instanceId: string | null,
  detail: string | null,
): NewEvent {
  return { id, type: 'battle.contestant', name, step: what, instanceId, detail };
}
