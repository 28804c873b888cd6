import { describe, expect, it } from 'vitest';
import {
  battleElapsedMs,
  contestantPhase,
  formatContribution,
  gradeFigures,
  isBattleEvent,
  rankingToShow,
  recordShows,
  taskSummary,
  withBattle,
} from './battle-view.js';
import type { BattleRecord, BattleResults, ContestantState, CorralEvent, Grade } from './types.js';

const grading = { attempts: 0, instanceId: null, nonce: null, outcome: null, note: null };

function contestant(over: Partial<ContestantState> = {}): ContestantState {
  return {
    name: 'fix',
    agent: 'shell',
    model: null,
    instanceId: null,
    run: null,
    work: null,
    spent: null,
    summary: null,
    grading,
    ...over,
  };
}

function battle(over: Partial<BattleRecord> = {}, prompt: string | null = null): BattleRecord {
  return {
    id: 'battle-aaaaa',
    createdAt: '2026-12-05T10:00:00.000Z',
    endedAt: null,
    status: 'running',
    ranking: null,
    contestants: [contestant()],
    spec: { prompt, test: 'node --test' },
    ...over,
  } as BattleRecord;
}

const grade = (over: Partial<Grade> = {}): Grade =>
  ({
    resolved: true,
    counts: { passed: 7, failed: 1, skipped: 0, errored: 0 },
    failToPass: { named: false, total: 2, passed: 2, failing: [], unlisted: 0 },
    passToPass: { named: false, total: 6, passed: 5, broken: ['t'], unlisted: 0 },
    ...over,
  }) as Grade;

describe('the battle pages’ figures', () => {
  it('tells battle events from the others', () => {
    expect(isBattleEvent({ type: 'battle.ranked' } as CorralEvent)).toBe(true);
    expect(isBattleEvent({ type: 'instance.ended' } as CorralEvent)).toBe(false);
  });

  it('says the task in one line: the prompt’s first, else the test command', () => {
    expect(taskSummary(battle({}, '\n  Fix nextDay  \nit adds two'))).toBe('Fix nextDay');
    expect(taskSummary(battle())).toBe('test: node --test');
    expect(taskSummary(battle({}, 'x'.repeat(100)), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('counts the elapsed time up to now, or to its end', () => {
    const now = Date.parse('2026-12-05T10:01:30.000Z');
    expect(battleElapsedMs(battle(), now)).toBe(90_000);
    expect(battleElapsedMs(battle({ endedAt: '2026-12-05T10:00:10.000Z' }), now)).toBe(10_000);
  });

  it('says where a contestant has got to, from not started to graded', () => {
    expect(contestantPhase(contestant(), null)).toEqual({
      word: 'waiting',
      run: null,
      note: 'not started',
    });
    const started = contestant({ instanceId: 'shell-aaaaa' });
    expect(contestantPhase(started, null).word).toBe('running');
    expect(contestantPhase(started, 'running').run).toBe('running');
    const run = { status: 'succeeded' as const, exitCode: 0, durationMs: 5, branch: 'b' };
    expect(contestantPhase(contestant({ instanceId: 'i', run }), 'succeeded')).toEqual({
      word: 'waiting',
      run: 'succeeded',
      note: 'to be graded',
    });
    const inGrading = { ...grading, attempts: 1, instanceId: 'shell-grade' };
    expect(contestantPhase(contestant({ run, grading: inGrading }), null).word).toBe('grading');
    const graded = { ...grading, attempts: 1, outcome: 'graded' as const };
    expect(contestantPhase(contestant({ run, grading: graded }), null).word).toBe('graded');
    const noWork = { ...grading, outcome: 'no-work' as const, note: 'nothing came back' };
    expect(contestantPhase(contestant({ run, grading: noWork }), null)).toEqual({
      word: 'not graded',
      run: 'succeeded',
      note: 'nothing came back',
    });
  });

  it('gives a grade’s tests fixed, broken and passed', () => {
    expect(gradeFigures(grade())).toEqual({ fixed: '2/2', broken: 1, passed: 7 });
    expect(gradeFigures(grade({ counts: null })).passed).toBeNull();
  });

  it('shows the record’s ranking once ranked, else the graded ones as they stand', () => {
    const results = {
      battle: 'battle-aaaaa',
      ranking: [
        { name: 'fix', rank: 1, reason: 'resolved' },
        { name: 'noop', rank: 2, reason: 'not graded' },
      ],
      grades: { fix: grade() },
      base: null,
    } as BattleResults;
    expect(rankingToShow(battle(), results)).toEqual({
      final: false,
      rows: [{ name: 'fix', rank: 1, reason: 'resolved', graded: true }],
    });
    expect(rankingToShow(battle(), null)).toEqual({ final: false, rows: [] });
    const ranked = battle({ ranking: results.ranking });
    expect(rankingToShow(ranked, results)).toEqual({
      final: true,
      rows: [
        { name: 'fix', rank: 1, reason: 'resolved', graded: true },
        { name: 'noop', rank: 2, reason: 'not graded', graded: false },
      ],
    });
  });

  it('writes a score part’s share with its sign', () => {
    expect(formatContribution({ weight: 0.5, value: 1 })).toBe('+0.50');
    expect(formatContribution({ weight: 0.3, value: 0.5 })).toBe('+0.15');
    expect(formatContribution({ weight: -0.1, value: 1 })).toBe('−0.10');
  });

  it('keeps the list newest first, a record replacing the one of its id', () => {
    const a = battle({ id: 'battle-a', createdAt: '2026-12-05T10:00:00.000Z' });
    const b = battle({ id: 'battle-b', createdAt: '2026-12-05T11:00:00.000Z' });
    const list = withBattle(withBattle([], a), b);
    expect(list.map((x) => x.id)).toEqual(['battle-b', 'battle-a']);
    const graded = { ...a, status: 'graded' as const };
    expect(withBattle(list, graded)).toEqual([b, graded]);
  });

  it('tells whether a fetched record shows an event yet', () => {
    const ev = (e: object) => ({ v: 1, ts: '', id: 'battle-aaaaa', ...e }) as CorralEvent;
    const step = (name: string, s: string, instanceId: string | null = null) =>
      ev({ type: 'battle.contestant', name, step: s, instanceId, detail: null });
    const fresh = battle({ baseGrading: grading });
    expect(recordShows(fresh, step('fix', 'started', 'shell-1'))).toBe(false);
    expect(recordShows(fresh, step('base', 'graded'))).toBe(false);
    // Its grading under way: the grade not yet saved.
    const inGrading = { ...grading, attempts: 1, instanceId: 'shell-g' };
    const grading1 = battle({ contestants: [contestant({ grading: inGrading })] });
    expect(recordShows(grading1, step('fix', 'grading', 'shell-g'))).toBe(true);
    expect(recordShows(grading1, step('fix', 'graded'))).toBe(false);
    expect(recordShows(fresh, ev({ type: 'battle.ranked', ranking: [] }))).toBe(false);
    expect(recordShows(fresh, ev({ type: 'battle.status', status: 'running' }))).toBe(true);
    expect(recordShows(fresh, ev({ type: 'battle.status', status: 'graded' }))).toBe(false);
    const run = { status: 'succeeded' as const, exitCode: 0, durationMs: 5, branch: 'b' };
    const graded = { ...grading, attempts: 1, outcome: 'graded' as const };
    const later = battle({
      baseGrading: graded,
      contestants: [contestant({ instanceId: 'shell-1', run, grading: graded })],
    });
    for (const s of ['started', 'ended', 'grading', 'graded'])
      expect(recordShows(later, step('fix', s, 'shell-1'))).toBe(true);
    expect(recordShows(later, step('base', 'graded'))).toBe(true);
    expect(recordShows(later, ev({ type: 'instance.ended' }))).toBe(true);
  });
});
