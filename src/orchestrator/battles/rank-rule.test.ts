import { describe, expect, it } from 'vitest';
import { CorralError } from '../../lib/errors.js';
import { defaultRankRuleDescription, describeRankRule, parseRankRule } from './rank-rule.js';

function usageError(text: string): CorralError {
  try {
    parseRankRule(text);
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error(`parseRankRule accepted ${JSON.stringify(text)}`);
}

describe('parseRankRule', () => {
  it('reads comma-separated keys in order, around spaces', () => {
    expect(parseRankRule(' resolved, score,cost ,time')).toEqual([
      'resolved',
      'score',
      'cost',
      'time',
    ]);
  });

  it('names an unknown key and lists the valid ones', () => {
    const error = usageError('resolved,speed');
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe('Unknown ranking key "speed" in "resolved,speed".');
    expect(error.hint).toBe(
      'Give a comma-separated list of: resolved, score, flags, diff, cost, time (default: resolved,score,flags,diff,cost,time).',
    );
  });

  it('refuses a repeated key and an empty rule', () => {
    expect(usageError('cost,time,cost').message).toBe(
      'The ranking key "cost" appears twice in "cost,time,cost".',
    );
    expect(usageError(' , ').message).toBe('The ranking rule " , " names no key.');
  });
});

describe('describeRankRule', () => {
  it('says the default rule in one sentence', () => {
    expect(defaultRankRuleDescription).toBe(
      'Resolved first, then the higher score, then fewer integrity flags, then the smaller diff, then the lower cost, then the shorter run; contestants not graded last.',
    );
  });

  it('follows a custom rule', () => {
    expect(describeRankRule(['cost', 'time'])).toBe(
      'The lower cost, then the shorter run; contestants not graded last.',
    );
  });
});
