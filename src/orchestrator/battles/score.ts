/**
 * A grade's score in [0, 1], always with the breakdown it is the weighted sum of, so that a
 * user can see why one contestant scored 0.62 and not 0.8. The rule:
 *
 * - `resolved` (every fail-to-pass test passes, every pass-to-pass test still passes, the
 *   suite ran, no disqualifying flag) is worth 0.5;
 * - the fraction of fail-to-pass tests that pass is worth 0.3;
 * - the fraction of pass-to-pass tests that still pass is worth 0.2;
 * - each integrity flag subtracts its penalty (`integrityRules`: 0.5 for results the exit
 *   code or the runner's own totals deny, 0.1 for changed test files, 0.05 for fewer tests);
 * - a sum below 0 is clamped, by a `clamp` part, so the parts still add up to the score.
 *
 * A set with no tests in it (nothing failed on the base, or nothing passed there) says
 * nothing about the branch: its weight moves to the other set, and to `resolved` when both
 * are empty (a base whose every test was skipped).
 */
import { integrityRules, type IntegrityFlag } from './integrity-flags.js';

export interface ScorePart {
  /** `resolved`, `fail-to-pass`, `pass-to-pass`, `penalty:<flag code>` or `clamp`. */
  part: string;
  weight: number;
  /** In [0, 1]; the part adds `weight × value`. */
  value: number;
  note: string;
}

export interface ScoreInput {
  resolved: boolean;
  failToPass: { total: number; passed: number };
  passToPass: { total: number; passed: number };
  flags: readonly IntegrityFlag[];
}

export const scoreWeights = { resolved: 0.5, failToPass: 0.3, passToPass: 0.2 } as const;

function fraction(set: { total: number; passed: number }): number {
  return set.total === 0 ? 1 : set.passed / set.total;
}

export function scoreGrade(input: ScoreInput): { score: number; breakdown: ScorePart[] } {
  const { failToPass: f2p, passToPass: p2p } = input;
  let f2pWeight: number = scoreWeights.failToPass;
  let p2pWeight: number = scoreWeights.passToPass;
  let resolvedWeight: number = scoreWeights.resolved;
  if (f2p.total === 0 && p2p.total === 0) [resolvedWeight, f2pWeight, p2pWeight] = [1, 0, 0];
  else if (f2p.total === 0) [f2pWeight, p2pWeight] = [0, f2pWeight + p2pWeight];
  else if (p2p.total === 0) [f2pWeight, p2pWeight] = [f2pWeight + p2pWeight, 0];

  const breakdown: ScorePart[] = [
    {
      part: 'resolved',
      weight: resolvedWeight,
      value: input.resolved ? 1 : 0,
      note: input.resolved ? 'resolved' : 'not resolved',
    },
    {
      part: 'fail-to-pass',
      weight: f2pWeight,
      value: fraction(f2p),
      note:
        f2p.total === 0
          ? 'no test failed on the base: nothing to fix, its weight moved'
          : `${f2p.passed} of ${f2p.total} now pass`,
    },
    {
      part: 'pass-to-pass',
      weight: p2pWeight,
      value: fraction(p2p),
      note:
        p2p.total === 0
          ? 'no test passed on the base: nothing to keep, its weight moved'
          : `${p2p.passed} of ${p2p.total} still pass`,
    },
  ];
  for (const flag of input.flags) {
    const penalty = integrityRules[flag.code].penalty;
    if (penalty > 0) {
      breakdown.push({
        part: `penalty:${flag.code}`,
        weight: -penalty,
        value: 1,
        note: flag.message,
      });
    }
  }
  const sum = breakdown.reduce((total, part) => total + part.weight * part.value, 0);
  if (sum < 0) {
    breakdown.push({
      part: 'clamp',
      weight: -sum,
      value: 1,
      note: 'the penalties took it below 0',
    });
  }
  return { score: Math.min(1, Math.max(0, sum)), breakdown };
}
