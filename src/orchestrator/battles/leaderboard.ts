/**
 * The leaderboard of `corral battle stats`: agents, models or prompt variants ranked across
 * every battle they were graded in. Each battle's ranking becomes pairwise games (a beats b
 * when its rank is lower; a shared rank is a tie, half a win each) and a Bradley-Terry model
 * is fitted to all of them (bradley-terry.ts, with one virtual tie per key against a fixed
 * reference, so a key that won everything still has a finite rating). Ratings are on an
 * Elo-like scale, 400·log10(strength), centred so that the keys that played a game average
 * 1500; a key that never had an opponent (it was alone in its battles) sits at the
 * reference, the rating the prior gives when there is no evidence.
 *
 * The interval is a 95% Wald interval, rating ± 1.96 standard errors, the standard error
 * that of the key's log-strength minus the mean the scale is centred on, from the inverse of
 * the observed Fisher information at the fit (a Laplace approximation to the posterior
 * under the prior). Two things it does not see: the games one battle yields are counted as
 * independent, though they come from one ranking (so a battle of many contestants narrows
 * intervals more than it should); and when one key beat another every time, the estimate is
 * held only by the prior and the interval, symmetric, stops narrowing with more battles. It
 * is deterministic, and nothing depends on the order of the input.
 */
import { formatDurationMs } from '../../lib/duration.js';
import { tableCell } from '../../lib/terminal-text.js';
import { alignColumns } from '../../lib/text-table.js';
import { fitBradleyTerry, type PairResult } from './bradley-terry.js';

export interface BattleOutcome {
  battleId: string;
  /** Not used by the rating: Bradley-Terry weighs an old battle as much as a recent one. */
  endedAt: string | null;
  /** One per contestant that was graded (ungraded ones are left out by the caller). */
  entries: Array<{
    /** What is being rated, e.g. 'claude@claude-sonnet-4-5', 'codex', or a prompt variant's name. */
    key: string;
    /** 1-based; ties share a rank. */
    rank: number;
    resolved: boolean;
    costUsd: number | null;
    durationMs: number | null;
  }>;
}

export interface LeaderboardRow {
  key: string;
  /** Battles with an entry of this key. */
  battles: number;
  /** Battles in which an entry of this key ranked 1 (a shared rank 1 is a win for each). */
  wins: number;
  /** Battles in which an entry of this key resolved the task. */
  resolved: number;
  /** Bradley-Terry strength on an Elo-like scale; the keys that played a game average 1500. */
  rating: number;
  /** The 95% Wald interval from the Fisher information (see the top of this file). */
  ratingLow: number;
  ratingHigh: number;
  /** Total known cost over `resolved`; null when nothing resolved or no cost is known. */
  costPerSolvedUsd: number | null;
  /** Over the entries whose duration is known; null when none is. */
  medianDurationMs: number | null;
}

/** Elo points per unit of natural log-strength: 400 per factor of 10. */
const eloPerLog = 400 / Math.LN10;
const eloCentre = 1500;
/** The standard normal's 97.5th percentile: a two-sided 95% interval. */
const z95 = 1.959963984540054;
/** Ratings closer than this are equal: the same games fitted in another order differ in their last bits. */
const ratingEpsilon = 1e-6;

/** Each key's index, the keys in sorted order. */
type KeyIndex = Map<string, number>;

interface Tally {
  battles: number;
  wins: number;
  resolved: number;
  costsUsd: number[];
  durationsMs: number[];
}

function tallyOf(outcomes: readonly BattleOutcome[], keys: KeyIndex): Tally[] {
  const tallies = [...keys.keys()].map(() => ({
    battles: 0,
    wins: 0,
    resolved: 0,
    costsUsd: [] as number[],
    durationsMs: [] as number[],
  }));
  for (const { entries } of outcomes) {
    const seen = new Map<number, { won: boolean; resolved: boolean }>();
    for (const entry of entries) {
      const index = keys.get(entry.key)!;
      const tally = tallies[index]!;
      if (entry.costUsd !== null) tally.costsUsd.push(entry.costUsd);
      if (entry.durationMs !== null) tally.durationsMs.push(entry.durationMs);
      const before = seen.get(index) ?? { won: false, resolved: false };
      seen.set(index, {
        won: before.won || entry.rank === 1,
        resolved: before.resolved || entry.resolved,
      });
    }
    for (const [index, { won, resolved }] of seen) {
      const tally = tallies[index]!;
      tally.battles++;
      tally.wins += Number(won);
      tally.resolved += Number(resolved);
    }
  }
  return tallies;
}

/**
 * Every pair of entries of different keys in a battle is one game. Two entries of one key
 * (two contestants on the same model) each play the others; against each other they say
 * nothing about the key.
 */
function gamesOf(outcomes: readonly BattleOutcome[], keys: KeyIndex): PairResult[] {
  const pairs = new Map<string, PairResult>();
  for (const { entries } of outcomes) {
    entries.forEach((first, i) => {
      for (const second of entries.slice(i + 1)) {
        const [x, y] = [keys.get(first.key)!, keys.get(second.key)!];
        if (x === y) continue;
        const [a, b, rankA, rankB] =
          x < y ? [x, y, first.rank, second.rank] : [y, x, second.rank, first.rank];
        const pair = pairs.get(`${a},${b}`) ?? { a, b, winsA: 0, games: 0 };
        pair.games++;
        pair.winsA += rankA < rankB ? 1 : rankA === rankB ? 0.5 : 0;
        pairs.set(`${a},${b}`, pair);
      }
    });
  }
  // In a fixed order: the fit's sums then add up the same, bit for bit, whatever the input's.
  return [...pairs.values()].sort((p, q) => p.a - q.a || p.b - q.b);
}

/** Sums in ascending order, so the same numbers in any order give the same total. */
const sum = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b).reduce((total, v) => total + v, 0);

function median(values: readonly number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return null;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** c·C·c: the variance of the combination c of the log-strengths. */
function varianceOf(c: readonly number[], covariance: readonly (readonly number[])[]): number {
  return c.reduce(
    (total, ci, i) =>
      total + ci * c.reduce((row, cj, j) => row + (covariance[i]?.[j] ?? 0) * cj, 0),
    0,
  );
}

function byRank(a: LeaderboardRow, b: LeaderboardRow): number {
  if (Math.abs(a.rating - b.rating) > ratingEpsilon) return b.rating - a.rating;
  return b.wins - a.wins || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * One row per key, best first: by rating, then wins, then key.
 *
 * @example
 * // codex beat claude in three battles of four, and spent $1.60 on its three solved tasks
 * computeLeaderboard(outcomes)[0];
 * // { key: 'codex', battles: 4, wins: 3, resolved: 3, rating: 1582.4…, ratingLow: 1405.2…,
 * //   ratingHigh: 1759.6…, costPerSolvedUsd: 0.5333…, medianDurationMs: 240000 }
 */
export function computeLeaderboard(outcomes: readonly BattleOutcome[]): LeaderboardRow[] {
  const keys = [...new Set(outcomes.flatMap((o) => o.entries.map((e) => e.key)))].sort();
  const index: KeyIndex = new Map(keys.map((key, i) => [key, i]));
  const games = gamesOf(outcomes, index);
  const { logStrengths, covariance } = fitBradleyTerry(keys.length, games);
  const played = keys.map((_, i) => games.some(({ a, b }) => a === i || b === i));
  const playedCount = played.filter(Boolean).length;
  const weights = played.map((p) => (p ? 1 / playedCount : 0));
  const centre = logStrengths.reduce((total, t, i) => total + t * (weights[i] ?? 0), 0);
  const tallies = tallyOf(outcomes, index);
  return keys
    .map((key, i): LeaderboardRow => {
      const tally = tallies[i]!;
      const contrast = weights.map((w, j) => (j === i ? 1 : 0) - w);
      const rating = eloCentre + eloPerLog * ((logStrengths[i] ?? 0) - centre);
      const halfWidth = z95 * eloPerLog * Math.sqrt(Math.max(0, varianceOf(contrast, covariance)));
      const costUsd = tally.costsUsd.length > 0 ? sum(tally.costsUsd) : null;
      return {
        key,
        battles: tally.battles,
        wins: tally.wins,
        resolved: tally.resolved,
        rating,
        ratingLow: rating - halfWidth,
        ratingHigh: rating + halfWidth,
        costPerSolvedUsd: costUsd !== null && tally.resolved > 0 ? costUsd / tally.resolved : null,
        medianDurationMs: median(tally.durationsMs),
      };
    })
    .sort(byRank);
}

const columns = ['key', 'battles', 'wins', 'resolved', 'rating (95%)', '$/solved', 'median time'];
/** Which columns are numbers, aligned on the right. */
const rightAligned = [false, true, true, true, true, true, true];

function cells(row: LeaderboardRow): string[] {
  const elo = (value: number) => Math.round(value).toString();
  return [
    tableCell(row.key, 40),
    String(row.battles),
    String(row.wins),
    String(row.resolved),
    `${elo(row.rating)} (${elo(row.ratingLow)}–${elo(row.ratingHigh)})`,
    row.costPerSolvedUsd === null ? '-' : `$${row.costPerSolvedUsd.toFixed(2)}`,
    row.medianDurationMs === null ? '-' : formatDurationMs(Math.round(row.medianDurationMs)),
  ];
}

/**
 * The rows as aligned lines for a terminal, a header first; no lines for no rows.
 *
 * @example
 * formatLeaderboard(rows);
 * // key     battles  wins  resolved      rating (95%)  $/solved  median time
 * // codex         4     3         3  1582 (1405–1760)     $0.53           4m
 * // claude        4     1         1  1418 (1240–1595)     $3.50        4m45s
 */
export function formatLeaderboard(rows: readonly LeaderboardRow[]): string[] {
  if (rows.length === 0) return [];
  return alignColumns([columns, ...rows.map(cells)], rightAligned);
}
