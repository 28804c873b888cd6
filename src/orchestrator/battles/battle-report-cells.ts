/**
 * The small pieces the battle report shows both in its ranking table and in each contestant's
 * section: who a contestant is, its flags, its fractions, its run, its diff's size, its cost,
 * and why it was not graded. Every one is built with `markup`, so what a contestant or a test
 * run wrote stays text.
 */
import { formatDurationMs } from '../../lib/duration.js';
import { markup, type Html } from '../../lib/html.js';
import type { ContestantState } from './battle-record.js';
import type { Grade } from './grade.js';
import { integrityRules, type IntegrityFlag } from './integrity-flags.js';

/** `agent@model`, or the agent alone when no model was pinned. */
export function agentOf(contestant: ContestantState | undefined): string {
  if (!contestant) return 'unknown agent';
  return contestant.model === null ? contestant.agent : `${contestant.agent}@${contestant.model}`;
}

export function contestantLabel(name: string, contestant: ContestantState | undefined): Html {
  return markup`<strong>${name}</strong> <span class="muted small">${agentOf(contestant)}</span>`;
}

export const formatScore = (score: number): string => score.toFixed(3);

export const fraction = (set: { passed: number; total: number }): string =>
  `${set.passed}/${set.total}`;

/** Each flag's code as a badge, its message on hover; disqualifying ones in red. */
export function flagBadges(flags: readonly IntegrityFlag[]): Html {
  if (flags.length === 0) return markup`<span class="muted">none</span>`;
  return markup`${flags.map((flag) => {
    const severe = integrityRules[flag.code].disqualifies ? ' severe' : '';
    return markup`<span class="badge flag${severe}" title="${flag.message}">${flag.code}</span>`;
  })}`;
}

export function resolvedCell(grade: Grade | undefined): Html {
  if (!grade || grade.infrastructure) return markup`<span class="muted">—</span>`;
  return grade.resolved ? markup`<span class="yes">yes</span>` : markup`<span class="no">no</span>`;
}

/** `+12 −3` (how many files on hover); a dash when nothing came back. */
export function workCell(contestant: ContestantState | undefined): Html {
  const work = contestant?.work;
  if (!work) return markup`<span class="muted">—</span>`;
  const files = `${work.files} file${work.files === 1 ? '' : 's'}`;
  return markup`<span title="${files}"><span class="add-n">+${work.added}</span> <span class="del-n">−${work.deleted}</span></span>`;
}

/** `succeeded · 4m12s`, or that it has not run (yet). */
export function runSummary(contestant: ContestantState | undefined): string {
  const run = contestant?.run;
  if (!run) return 'not run';
  return run.durationMs === null
    ? run.status
    : `${run.status} · ${formatDurationMs(run.durationMs)}`;
}

/** What its model calls cost; a dash when nothing was metered (a shell contestant). */
export function costText(contestant: ContestantState | undefined): string {
  const spent = contestant?.spent;
  return spent && spent.tokens > 0 ? `$${spent.usd.toFixed(2)}` : '—';
}

/**
 * Why a contestant has no grade to show, or null when it has one. Its record's grading
 * state says how far the grading got; an `infrastructure` grade says why it did not count.
 */
export function whyNotGraded(
  contestant: ContestantState | undefined,
  grade: Grade | undefined,
  baseGraded: boolean,
): string | null {
  if (grade) {
    if (!grade.infrastructure) return null;
    return `Its grading did not count: ${grade.infrastructureReason ?? 'the infrastructure failed'}`;
  }
  if (!contestant) return 'It is not in the battle record.';
  const note = contestant.grading.note === null ? '' : ` Last attempt: ${contestant.grading.note}`;
  switch (contestant.grading.outcome) {
    case 'graded':
      return baseGraded
        ? `Its grading results are missing.${note}`
        : `The base was not graded, so there is nothing to grade it against.${note}`;
    case 'infrastructure': {
      const attempts = contestant.grading.attempts;
      if (attempts === 0) return `Its sandbox could not be prepared for its agent.${note}`;
      return `Every grading attempt (${attempts}) failed for a reason not its own.${note}`;
    }
    case 'no-work':
      return `Nothing came back from its run to grade.${note}`;
    case null:
      return `It has not been graded yet.${note}`;
  }
}
