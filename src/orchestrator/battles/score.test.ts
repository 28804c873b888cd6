import { describe, expect, it } from 'vitest';
import { scoreGrade } from './score.js';

const none = { total: 0, passed: 0 };
const weights = (breakdown: ReturnType<typeof scoreGrade>['breakdown']) =>
  breakdown.map((part) => [part.part, part.weight]);

describe('scoreGrade', () => {
  it('weighs resolved 0.5, fail-to-pass 0.3, pass-to-pass 0.2', () => {
    const { score, breakdown } = scoreGrade({
      resolved: false,
      failToPass: { total: 4, passed: 1 },
      passToPass: { total: 10, passed: 5 },
      flags: [],
    });
    expect(score).toBeCloseTo(0.3 * 0.25 + 0.2 * 0.5, 10);
    expect(breakdown.map((part) => part.note)).toEqual([
      'not resolved',
      '1 of 4 now pass',
      '5 of 10 still pass',
    ]);
  });

  it('moves an empty set’s weight to the other, and both to resolved', () => {
    const noP2p = scoreGrade({
      resolved: true,
      failToPass: { total: 2, passed: 2 },
      passToPass: none,
      flags: [],
    });
    expect(weights(noP2p.breakdown)).toEqual([
      ['resolved', 0.5],
      ['fail-to-pass', 0.5],
      ['pass-to-pass', 0],
    ]);
    const neither = scoreGrade({ resolved: false, failToPass: none, passToPass: none, flags: [] });
    expect(weights(neither.breakdown)).toEqual([
      ['resolved', 1],
      ['fail-to-pass', 0],
      ['pass-to-pass', 0],
    ]);
    expect(neither.score).toBe(0);
  });

  it('subtracts a penalty part per flag that costs anything', () => {
    const { score, breakdown } = scoreGrade({
      resolved: true,
      failToPass: { total: 1, passed: 1 },
      passToPass: { total: 1, passed: 1 },
      flags: [
        { code: 'tests-changed', message: 'changed test/a.test.ts' },
        { code: 'unknown-test-names', message: 'typo' },
      ],
    });
    expect(score).toBeCloseTo(0.9, 10);
    expect(breakdown.at(-1)).toEqual({
      part: 'penalty:tests-changed',
      weight: -0.1,
      value: 1,
      note: 'changed test/a.test.ts',
    });
    expect(breakdown).toHaveLength(4);
  });
});
