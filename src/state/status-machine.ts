/**
 * An instance's status as one state machine: which status may follow which, in one place.
 * The store checks every record change against it (InstanceStore.update), so a status can
 * only move along these arrows:
 *
 *   created ──▶ running ──▶ an end (succeeded, failed, canceled, timed-out, budget-exceeded, lost)
 *      └──────────────────▶ an end (refused or stopped before its sandbox was up)
 *   an end ──▶ created      (prepared to resume)
 *   lost ──▶ an end         (what became of it was found out after all: its run came back)
 *
 * Staying put is always allowed (a record updated without a new status).
 */
import { CorralError } from '../lib/errors.js';
import { endedStatuses, type InstanceStatus } from './metadata.js';

const next: Record<InstanceStatus, readonly InstanceStatus[]> = {
  created: ['running', ...endedStatuses],
  running: endedStatuses,
  succeeded: ['created'],
  failed: ['created'],
  canceled: ['created'],
  'timed-out': ['created'],
  'budget-exceeded': ['created'],
  lost: ['created', ...endedStatuses],
};

export function canMoveTo(from: InstanceStatus, to: InstanceStatus): boolean {
  return from === to || next[from].includes(to);
}

/** Throws INTERNAL for a change the machine does not allow: a bug, never the user's doing. */
export function checkStatusChange(id: string, from: InstanceStatus, to: InstanceStatus): void {
  if (!canMoveTo(from, to))
    throw new CorralError('INTERNAL', `${id} cannot go from ${from} to ${to}.`, {
      hint: 'This is a bug in corral; the record was left as it was.',
    });
}
