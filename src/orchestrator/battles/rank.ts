/**
 * Orders a battle's contestants by a `RankRule` (rank-rule.ts) and says, for each, in one
 * line, why it stands above the next: the first key of the rule on which the two differ.
 * Ranks are 1-based and shared by ties (1, 1, 3): two contestants tie when every key of the
 * rule compares equal; within a tie the order is by name, so the output is stable. A
 * contestant without a grade, or whose grade is `infrastructure`, was not graded and comes
 * last, whatever the rule.
 */
import { formatDurationMs } from '../../lib/duration.js';
import type { Grade } from './grade.js';
import { defaultRankRule, type RankKey, type RankRule } from './rank-rule.js';

export interface RankEntry {
  name: string;
  /** null: not graded (the grading's infrastructure failed). */
  grade: Grade | null;
  durationMs: number | null;
  diffLines: number | null;
  costUsd: number | null;
}

export interface Ranked {
  /** 1-based; ties share a rank. */
  rank: number;
  /** Why this entry is above the next, or that it ties with it, is last, was not graded. */
  reason: string;
}

/** Scores closer than this are equal: sums of fractions differ in their last bits. */
const scoreEpsilon = 1e-9;

function graded(entry: RankEntry): Grade | null {
  return entry.grade !== null && !entry.grade.infrastructure ? entry.grade : null;
}

/** Lower first; an unknown value after every known one. */
function lowerFirst(a: number | null, b: number | null): number {
  if (a === null || b === null) return (a === null ? 1 : 0) - (b === null ? 1 : 0);
  return a - b;
}

/** Negative when `a` ranks above `b` on `key`; both graded. */
function compareOn(key: RankKey, a: RankEntry, b: RankEntry, ga: Grade, gb: Grade): number {
  switch (key) {
    case 'resolved':
      return Number(gb.resolved) - Number(ga.resolved);
    case 'score':
      return Math.abs(ga.score - gb.score) < scoreEpsilon ? 0 : gb.score - ga.score;
    case 'flags':
      return ga.flags.length - gb.flags.length;
    case 'diff':
      return lowerFirst(a.diffLines, b.diffLines);
    case 'cost':
      return lowerFirst(a.costUsd, b.costUsd);
    case 'time':
      return lowerFirst(a.durationMs, b.durationMs);
  }
}

/** The first key of the rule on which `a` and `b` differ, and how; null when they tie. */
function firstDifference(rule: RankRule, a: RankEntry, b: RankEntry): [RankKey, number] | null {
  const [ga, gb] = [graded(a), graded(b)];
  if (ga === null || gb === null) return null;
  for (const key of rule) {
    const order = compareOn(key, a, b, ga, gb);
    if (order !== 0) return [key, order];
  }
  return null;
}

function compare(rule: RankRule, a: RankEntry, b: RankEntry): number {
  const ungraded = Number(graded(a) === null) - Number(graded(b) === null);
  if (ungraded !== 0) return ungraded;
  return firstDifference(rule, a, b)?.[1] ?? 0;
}

const money = (usd: number | null): string => (usd === null ? 'unknown' : `$${usd.toFixed(2)}`);
const lines = (n: number | null): string => (n === null ? 'unknown' : `${n} lines`);
const time = (ms: number | null): string => (ms === null ? 'unknown' : formatDurationMs(ms));
const flagCount = (n: number): string => `${n} integrity flag${n === 1 ? '' : 's'}`;

function why(key: RankKey, a: RankEntry, b: RankEntry, ga: Grade, gb: Grade): string {
  switch (key) {
    case 'resolved':
      return `resolved; ${b.name} is not`;
    case 'score':
      return `score ${ga.score.toFixed(3)} over ${b.name}'s ${gb.score.toFixed(3)}`;
    case 'flags':
      return `${flagCount(ga.flags.length)} to ${b.name}'s ${gb.flags.length}`;
    case 'diff':
      return `diff of ${lines(a.diffLines)} to ${b.name}'s ${lines(b.diffLines)}`;
    case 'cost':
      return `cost ${money(a.costUsd)} to ${b.name}'s ${money(b.costUsd)}`;
    case 'time':
      return `took ${time(a.durationMs)} to ${b.name}'s ${time(b.durationMs)}`;
  }
}

function reason(rule: RankRule, entry: RankEntry, next: RankEntry | undefined): string {
  const grade = graded(entry);
  if (grade === null) {
    return `not graded: ${entry.grade?.infrastructureReason ?? 'the grading could not run'}`;
  }
  if (next === undefined) return 'last';
  const nextGrade = graded(next);
  if (nextGrade === null) return `graded; ${next.name} was not`;
  const difference = firstDifference(rule, entry, next);
  if (difference === null) return `tied with ${next.name} on ${rule.join(', ')}`;
  return why(difference[0], entry, next, grade, nextGrade);
}

/**
 * The entries best first, each with its rank and the reason it is above the next.
 *
 * @example
 * rankContestants([{ name: 'codex', grade, durationMs: 90_000, diffLines: 40, costUsd: 0.3 }, …]);
 * // [{ name: 'codex', rank: 1, reason: 'resolved; claude is not', … }, …]
 */
export function rankContestants<T extends RankEntry>(
  entries: readonly T[],
  rule: RankRule = defaultRankRule,
): (T & Ranked)[] {
  const sorted = [...entries].sort(
    (a, b) => compare(rule, a, b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const ranked: (T & Ranked)[] = [];
  sorted.forEach((entry, i) => {
    const previous = ranked[i - 1];
    const tied = previous !== undefined && compare(rule, previous, entry) === 0;
    const rank = tied ? previous.rank : i + 1;
    ranked.push({ ...entry, rank, reason: reason(rule, entry, sorted[i + 1]) });
  });
  return ranked;
}
