/**
 * What the battle pages show, worked out from a battle's record and its results (pure, so
 * it is unit-tested without a browser): a battle's task in one line, its winner and elapsed
 * time, where each contestant has got to, a grade's test figures, the ranking to show (the
 * final one once the record has it, else the one the grades so far make), whether a fetched
 * record shows an event yet, and a list kept newest first as records arrive.
 */
import type {
  BattleRecord,
  BattleResults,
  ContestantState,
  CorralEvent,
  Grade,
  InstanceStatus,
} from './types.js';

/** Whether an event of the joint stream is a battle's (its id is then the battle's). */
export function isBattleEvent(event: CorralEvent): boolean {
  return event.type.startsWith('battle.');
}

/**
 * The battle's task in one line: the first line of its prompt, else its test command.
 *
 * @example taskSummary(record) // 'Fix nextDay: it adds two days'
 */
export function taskSummary(record: BattleRecord, maxChars = 80): string {
  const firstLine = record.spec.prompt?.split('\n').find((line) => line.trim() !== '');
  const text = firstLine?.trim() ?? `test: ${record.spec.test}`;
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/**
 * Whether `record` has got as far as `event` says. The engine says a battle's events as it
 * saves the record, so a record fetched at once may not show the last one yet: then fetch
 * it again, a little later.
 */
export function recordShows(record: BattleRecord, event: CorralEvent): boolean {
  if (event.type === 'battle.status')
    return record.status === event.status || record.status === 'graded';
  if (event.type === 'battle.budget') return record.budgetReached !== null;
  if (event.type === 'battle.ranked') return record.ranking !== null;
  if (event.type === 'battle.merged') return record.merged !== null;
  if (event.type !== 'battle.contestant') return true;
  const c = record.contestants.find((x) => x.name === event.name);
  const g = event.name === 'base' ? record.baseGrading : c?.grading;
  if (!g) return true;
  switch (event.step) {
    case 'started':
      return c?.instanceId === event.instanceId;
    case 'ended':
      return c?.run !== null;
    case 'grading':
      // Once read, a grading's instance is dropped and its outcome set.
      return g.instanceId !== null || g.outcome !== null;
    case 'graded':
    case 'no-work':
    case 'infrastructure':
      return g.outcome !== null;
  }
}

/** The winner once ranked (the record's ranking; a tie for first names the first listed). */
export function winnerOf(record: BattleRecord): string | null {
  return record.ranking?.[0]?.name ?? null;
}

/** How long the battle has taken, or took. */
export function battleElapsedMs(record: BattleRecord, nowMs: number): number {
  const end = record.endedAt ? Date.parse(record.endedAt) : nowMs;
  return Math.max(0, end - Date.parse(record.createdAt));
}

/** Where a contestant has got to, in a word, and a line more when there is one. */
export interface ContestantPhase {
  word: 'waiting' | 'running' | 'grading' | 'graded' | 'not graded' | 'retry';
  /** Its run's status once it ran (from the live instance while it runs). */
  run: InstanceStatus | null;
  note: string | null;
}

/**
 * @param live the status of its instance as the live feed has it, if listed there
 */
export function contestantPhase(c: ContestantState, live: InstanceStatus | null): ContestantPhase {
  const run = c.run?.status ?? live;
  const g = c.grading;
  if (g.outcome === 'graded') return { word: 'graded', run, note: null };
  if (g.outcome === 'no-work') return { word: 'not graded', run, note: g.note ?? 'no work' };
  if (g.outcome === 'infrastructure') return { word: 'retry', run, note: g.note };
  if (g.instanceId !== null) return { word: 'grading', run, note: g.note };
  if (c.run !== null) return { word: 'waiting', run, note: 'to be graded' };
  if (c.instanceId !== null) return { word: 'running', run: run ?? 'running', note: null };
  return { word: 'waiting', run: null, note: 'not started' };
}

/** A grade's test figures: fail-to-pass fixed, pass-to-pass broken, and all that passed. */
export function gradeFigures(grade: Grade): {
  fixed: string;
  broken: number;
  passed: number | null;
} {
  const f = grade.failToPass;
  const p = grade.passToPass;
  return {
    fixed: `${f.passed}/${f.total}`,
    broken: p.total - p.passed,
    passed: grade.counts?.passed ?? null,
  };
}

/** One row of the ranking to show. */
export interface RankingRow {
  rank: number;
  name: string;
  reason: string;
  graded: boolean;
}

/**
 * The ranking to show: the record's once ranked (final), else the results' as they stand,
 * with only graded contestants ranked (those still to grade follow, unranked).
 */
export function rankingToShow(
  record: BattleRecord,
  results: BattleResults | null,
): { final: boolean; rows: RankingRow[] } {
  if (record.ranking) {
    return {
      final: true,
      rows: record.ranking.map((r) => ({ ...r, graded: results?.grades[r.name] !== undefined })),
    };
  }
  const rows = (results?.ranking ?? [])
    .filter((r) => results?.grades[r.name] !== undefined)
    .map((r) => ({ ...r, graded: true }));
  return { final: false, rows };
}

/** A score part's share of the score, as the breakdown shows it: `+0.50`, `−0.10`. */
export function formatContribution(part: { weight: number; value: number }): string {
  const x = part.weight * part.value;
  return `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(2)}`;
}

/** The list with `record` in it (replacing the one of its id), newest first. */
export function withBattle(list: readonly BattleRecord[], record: BattleRecord): BattleRecord[] {
  return [...list.filter((b) => b.id !== record.id), record].sort((a, b) =>
    b.createdAt.localeCompare(a.createdAt),
  );
}
