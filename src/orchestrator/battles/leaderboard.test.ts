import { describe, expect, it } from 'vitest';
import {
  computeLeaderboard,
  formatLeaderboard,
  type BattleOutcome,
  type LeaderboardRow,
} from './leaderboard.js';

type Entry = BattleOutcome['entries'][number];

let battles = 0;

/** A battle whose entries are given best first; `[key, rank]` or a full entry. */
function battle(...entries: (readonly [string, number] | Entry)[]): BattleOutcome {
  return {
    battleId: `b${++battles}`,
    endedAt: null,
    entries: entries.map((e) =>
      'key' in e
        ? e
        : { key: e[0], rank: e[1], resolved: e[1] === 1, costUsd: null, durationMs: null },
    ),
  };
}

const entry = (key: string, overrides: Partial<Entry> = {}): Entry => ({
  key,
  rank: 1,
  resolved: true,
  costUsd: null,
  durationMs: null,
  ...overrides,
});

const times = (n: number, make: () => BattleOutcome) => Array.from({ length: n }, make);
const row = (rows: readonly LeaderboardRow[], key: string) => rows.find((r) => r.key === key)!;
const width = (r: LeaderboardRow) => r.ratingHigh - r.ratingLow;
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('computeLeaderboard', () => {
  it('ranks a clear hierarchy in order, the best one’s interval above the worst one’s', () => {
    const rows = computeLeaderboard(times(5, () => battle(['C', 3], ['A', 1], ['B', 2])));
    expect(rows.map((r) => r.key)).toEqual(['A', 'B', 'C']);
    const [a, b, c] = rows as [LeaderboardRow, LeaderboardRow, LeaderboardRow];
    expect(a.rating).toBeGreaterThan(b.rating);
    expect(b.rating).toBeGreaterThan(c.rating);
    expect(a.ratingLow).toBeGreaterThan(c.ratingHigh);
    expect(mean(rows.map((r) => r.rating))).toBeCloseTo(1500, 9);
    for (const r of rows) {
      expect(r.ratingLow).toBeLessThan(r.rating);
      expect(r.ratingHigh).toBeGreaterThan(r.rating);
    }
    expect(rows.map((r) => [r.battles, r.wins, r.resolved])).toEqual([
      [5, 5, 5],
      [5, 0, 0],
      [5, 0, 0],
    ]);
  });

  it('rates symmetric results equal: a rock-paper-scissors cycle, and even head-to-heads', () => {
    const cycle = computeLeaderboard([
      battle(['A', 1], ['B', 2], ['C', 3]),
      battle(['B', 1], ['C', 2], ['A', 3]),
      battle(['C', 1], ['A', 2], ['B', 3]),
    ]);
    for (const r of cycle) {
      expect(r.rating).toBeCloseTo(1500, 6);
      expect(width(r)).toBeCloseTo(width(cycle[0]!), 6);
    }
    const even = computeLeaderboard([
      ...times(3, () => battle(['A', 1], ['B', 2])),
      ...times(3, () => battle(['B', 1], ['A', 2])),
    ]);
    expect(row(even, 'A').rating).toBeCloseTo(row(even, 'B').rating, 6);
  });

  it('counts a tie as half a win each', () => {
    const tied = computeLeaderboard(times(2, () => battle(['A', 1], ['B', 1], ['C', 3])));
    const split = computeLeaderboard([
      battle(['A', 1], ['B', 2], ['C', 3]),
      battle(['B', 1], ['A', 2], ['C', 3]),
    ]);
    expect(row(tied, 'A').rating).toBeCloseTo(row(tied, 'B').rating, 6);
    expect(row(tied, 'A').rating).toBeGreaterThan(row(tied, 'C').rating);
    for (const key of ['A', 'B', 'C']) {
      expect(row(tied, key).rating).toBeCloseTo(row(split, key).rating, 6);
      expect(row(tied, key).ratingLow).toBeCloseTo(row(split, key).ratingLow, 6);
    }
  });

  it('counts a shared rank 1 as a win for each', () => {
    const rows = computeLeaderboard([battle(['A', 1], ['B', 1], ['C', 3])]);
    expect(rows.map((r) => [r.key, r.wins])).toEqual([
      ['A', 1],
      ['B', 1],
      ['C', 0],
    ]);
  });

  it('keeps the rating of a key that always wins finite', () => {
    const rows = computeLeaderboard(times(50, () => battle(['A', 1], ['B', 2])));
    const [a, b] = rows as [LeaderboardRow, LeaderboardRow];
    expect(a.key).toBe('A');
    for (const value of [a.rating, a.ratingLow, a.ratingHigh, b.rating, b.ratingLow]) {
      expect(Number.isFinite(value)).toBe(true);
    }
    expect(a.rating).toBeGreaterThan(b.rating);
  });

  it('gives a key seen in one battle a row, with a wider interval than one seen in many', () => {
    const rows = computeLeaderboard([
      ...times(6, () => battle(['A', 1], ['B', 2])),
      battle(['A', 1], ['N', 2], ['B', 3]),
    ]);
    const newcomer = row(rows, 'N');
    expect(newcomer.battles).toBe(1);
    expect(width(newcomer)).toBeGreaterThan(width(row(rows, 'A')));
    expect(width(newcomer)).toBeGreaterThan(width(row(rows, 'B')));
  });

  it('puts a key that never had an opponent at the prior, outside the centring', () => {
    const alone = computeLeaderboard([battle(['X', 1])]);
    expect(alone).toHaveLength(1);
    // One virtual tie against the reference: standard error 2 in log-strength.
    const halfWidth = 1.959963984540054 * (400 / Math.LN10) * 2;
    expect(alone[0]).toMatchObject({ key: 'X', battles: 1, wins: 1, rating: 1500 });
    expect(alone[0]!.ratingLow).toBeCloseTo(1500 - halfWidth, 6);
    expect(alone[0]!.ratingHigh).toBeCloseTo(1500 + halfWidth, 6);

    // A beat B and C, who never met: the three average 1500; X stays at the reference.
    const rows = computeLeaderboard([
      battle(['A', 1], ['B', 2]),
      battle(['A', 1], ['C', 2]),
      battle(['X', 1]),
    ]);
    expect(mean(['A', 'B', 'C'].map((k) => row(rows, k).rating))).toBeCloseTo(1500, 9);
    expect(Math.abs(row(rows, 'X').rating - 1500)).toBeGreaterThan(1);
    expect(width(row(rows, 'X'))).toBeGreaterThan(width(row(rows, 'A')));
  });

  it('divides the known cost by the tasks resolved, null when nothing resolved or no cost is known', () => {
    const rows = computeLeaderboard([
      battle(
        entry('A', { rank: 1, costUsd: 0.3 }),
        entry('B', { rank: 2, resolved: false, costUsd: 0.2 }),
        entry('C', { rank: 2, resolved: true }),
      ),
      battle(entry('A', { rank: 1, costUsd: 0.5 }), entry('C', { rank: 2 })),
      battle(entry('A', { rank: 2, resolved: false }), entry('B', { rank: 1, resolved: false })),
    ]);
    expect(row(rows, 'A')).toMatchObject({ resolved: 2, wins: 2 });
    expect(row(rows, 'A').costPerSolvedUsd).toBeCloseTo(0.4, 12);
    expect(row(rows, 'B')).toMatchObject({ resolved: 0, wins: 1, costPerSolvedUsd: null });
    expect(row(rows, 'C')).toMatchObject({ resolved: 2, costPerSolvedUsd: null });
  });

  it('takes the median of the known durations', () => {
    const timed = (key: string, ...durations: (number | null)[]) =>
      durations.map((durationMs) => battle(entry(key, { durationMs })));
    const rows = computeLeaderboard([
      ...timed('odd', 1000, 5000, null, 3000),
      ...timed('even', 8000, 1000, 4000, 2000),
      ...timed('unknown', null, null),
    ]);
    expect(row(rows, 'odd').medianDurationMs).toBe(3000);
    expect(row(rows, 'even').medianDurationMs).toBe(3000);
    expect(row(rows, 'unknown').medianDurationMs).toBeNull();
  });

  it('counts two entries of one key in a battle once for battles, wins and resolved', () => {
    const rows = computeLeaderboard([
      battle(
        entry('A', { rank: 1 }),
        entry('A', { rank: 3, resolved: false }),
        entry('B', { rank: 2 }),
      ),
    ]);
    expect(row(rows, 'A')).toMatchObject({ battles: 1, wins: 1, resolved: 1 });
    // A's entries went 1–1 against B.
    expect(row(rows, 'A').rating).toBeCloseTo(row(rows, 'B').rating, 6);
    // Against each other they are no game: alone in its battles, A stays at the prior.
    const [alone] = computeLeaderboard([battle(entry('A', { rank: 1 }), entry('A', { rank: 2 }))]);
    const [solo] = computeLeaderboard([battle(['A', 1])]);
    expect(alone).toEqual(solo);
  });

  it('breaks equal ratings by wins, then by key', () => {
    const rows = computeLeaderboard([
      battle(['b', 1]),
      battle(['a', 1]),
      battle(['c', 1]),
      battle(['c', 1]),
    ]);
    expect(rows.map((r) => r.key)).toEqual(['c', 'a', 'b']);
    // Z and Y each went 1–1 against the other and lost to C, but only Z won a battle.
    const played = computeLeaderboard([
      battle(['Z', 1], ['Y', 2]),
      battle(['C', 1], ['Y', 2], ['Z', 3]),
    ]);
    expect(played.map((r) => [r.key, r.wins])).toEqual([
      ['C', 1],
      ['Z', 1],
      ['Y', 0],
    ]);
  });

  const mixed = (): BattleOutcome[] => [
    battle(
      entry('A', { rank: 1, costUsd: 0.1, durationMs: 1000 }),
      entry('B', { rank: 2, resolved: false, costUsd: 0.7, durationMs: 9000 }),
      entry('C', { rank: 2, resolved: false, costUsd: 0.2 }),
    ),
    battle(entry('B', { rank: 1, costUsd: 0.3 }), entry('C', { rank: 2, costUsd: 0.6 })),
    battle(entry('C', { rank: 1, costUsd: 0.1 }), entry('A', { rank: 2, costUsd: 0.2 })),
    battle(entry('A', { rank: 1, costUsd: 1e-17 }), entry('D', { rank: 2, costUsd: 0.3 })),
    battle(entry('D', { rank: 1, costUsd: 0.7 }), entry('B', { rank: 1, costUsd: 0.1 })),
  ];

  it('gives the same output for the same input', () => {
    expect(computeLeaderboard(mixed())).toEqual(computeLeaderboard(mixed()));
  });

  it('does not depend on the order of the battles or of their entries', () => {
    const forward = computeLeaderboard(mixed());
    const reversed = computeLeaderboard(
      mixed()
        .reverse()
        .map((o) => ({ ...o, entries: [...o.entries].reverse() })),
    );
    expect(reversed).toEqual(forward);
  });
});

describe('formatLeaderboard', () => {
  const rows: LeaderboardRow[] = [
    {
      key: 'claude@claude-sonnet-4-5',
      battles: 12,
      wins: 7,
      resolved: 10,
      rating: 1612.4,
      ratingLow: 1539.6,
      ratingHigh: 1690.2,
      costPerSolvedUsd: 0.4213,
      medianDurationMs: 252_000,
    },
    {
      key: 'codex',
      battles: 3,
      wins: 0,
      resolved: 0,
      rating: 1387.6,
      ratingLow: 1020,
      ratingHigh: 1755.1,
      costPerSolvedUsd: null,
      medianDurationMs: null,
    },
  ];

  it('prints a header and one aligned line per row', () => {
    expect(formatLeaderboard(rows)).toEqual([
      'key                       battles  wins  resolved      rating (95%)  $/solved  median time',
      'claude@claude-sonnet-4-5       12     7        10  1612 (1540–1690)     $0.42        4m12s',
      'codex                           3     0         0  1388 (1020–1755)         -            -',
    ]);
  });

  it('prints nothing for no rows, and keeps escape sequences in a key off the terminal', () => {
    expect(formatLeaderboard([])).toEqual([]);
    const [, line] = formatLeaderboard([{ ...rows[1]!, key: 'evil\x1b]0;title\x07' }]);
    expect(line).not.toContain('\x1b');
  });
});
