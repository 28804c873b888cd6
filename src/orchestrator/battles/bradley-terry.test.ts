import { describe, expect, it } from 'vitest';
import { fitBradleyTerry, invertMatrix, type PairResult } from './bradley-terry.js';

const chance = (theta: readonly number[], i: number, j: number) =>
  1 / (1 + Math.exp((j < 0 ? 0 : theta[j]!) - theta[i]!));

describe('fitBradleyTerry', () => {
  it('solves the score equations: expected wins equal actual wins, the virtual tie included', () => {
    const pairs: PairResult[] = [
      { a: 0, b: 1, winsA: 7, games: 10 },
      { a: 0, b: 2, winsA: 8.5, games: 10 },
      { a: 1, b: 2, winsA: 4, games: 10 },
      { a: 2, b: 3, winsA: 2, games: 2 },
    ];
    const fit = fitBradleyTerry(4, pairs);
    expect(fit.converged).toBe(true);
    for (let i = 0; i < 4; i++) {
      let expected = chance(fit.logStrengths, i, -1);
      let actual = 0.5;
      for (const { a, b, winsA, games } of pairs) {
        if (a === i)
          [expected, actual] = [expected + games * chance(fit.logStrengths, a, b), actual + winsA];
        if (b === i)
          [expected, actual] = [
            expected + games * chance(fit.logStrengths, b, a),
            actual + games - winsA,
          ];
      }
      expect(expected).toBeCloseTo(actual, 9);
    }
  });

  it('keeps a 20-player hierarchy without a single upset finite, and converges in few steps', () => {
    const pairs: PairResult[] = [];
    for (let a = 0; a < 20; a++) {
      for (let b = a + 1; b < 20; b++) pairs.push({ a, b, winsA: 50, games: 50 });
    }
    const fit = fitBradleyTerry(20, pairs);
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(30);
    expect(fit.logStrengths.every(Number.isFinite)).toBe(true);
    expect(fit.logStrengths[0]).toBeCloseTo(-fit.logStrengths[19]!, 9);
    for (let i = 1; i < 20; i++) expect(fit.logStrengths[i]).toBeLessThan(fit.logStrengths[i - 1]!);
  });

  it('leaves a player without games at the reference, with the prior as its only information', () => {
    const fit = fitBradleyTerry(2, [
      { a: 0, b: 0, winsA: 3, games: 3 },
      { a: 0, b: 1, winsA: 0, games: 0 },
    ]);
    expect(fit.logStrengths).toEqual([0, 0]);
    // One virtual tie: information 1 · ½ · ½, so the variance is 4.
    expect(fit.covariance[0]![0]).toBeCloseTo(4, 12);
    expect(fit.covariance[0]![1]).toBeCloseTo(0, 12);
  });

  it('is stronger with more virtual ties: the same results spread less', () => {
    const pairs = [{ a: 0, b: 1, winsA: 3, games: 3 }];
    const weak = fitBradleyTerry(2, pairs).logStrengths[0]!;
    const strong = fitBradleyTerry(2, pairs, { priorGames: 4 }).logStrengths[0]!;
    expect(strong).toBeGreaterThan(0);
    expect(strong).toBeLessThan(weak);
  });
});

describe('invertMatrix', () => {
  it('gives the inverse of a symmetric positive-definite matrix', () => {
    const m = [
      [4, -1, 0.5],
      [-1, 3, -2],
      [0.5, -2, 5],
    ];
    const inverse = invertMatrix(m);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const product = m[i]!.reduce((sum, v, k) => sum + v * inverse[k]![j]!, 0);
        expect(product).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });
});
