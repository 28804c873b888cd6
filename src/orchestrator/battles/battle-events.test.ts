/**
 * A battle's events read off its record: each save compared with the one before says what
 * changed, once; a resumed battle (its record as the "before") says only what is new.
 */
import { describe, expect, it } from 'vitest';
import { battleEvents } from './battle-events.js';
import type { BattleRecord } from './battle-record.js';
import { sampleBattle } from './battle-record.fixture.js';

function fresh(): BattleRecord {
  return sampleBattle(['fix', 'noop'], { id: 'battle-ev001' });
}

/** Every save of a battle's life, in order, and the events each said. */
function life(): Array<{ record: BattleRecord; said: string[] }> {
  const steps: BattleRecord[] = [];
  const r = fresh();
  const save = () => steps.push(structuredClone(r));
  save();
  r.contestants[0]!.instanceId = 'shell-aaaaa';
  r.base = 'c0ffee';
  save();
  r.contestants[1]!.instanceId = 'shell-bbbbb';
  r.baseGrading.attempts = 1;
  r.baseGrading.instanceId = 'shell-ggggg';
  save();
  r.contestants[0]!.run = { status: 'succeeded', exitCode: 0, durationMs: 9, branch: 'b' };
  r.baseGrading.instanceId = null;
  r.baseGrading.outcome = 'graded';
  save();
  r.budgetReached = 'its time (12.0s)';
  r.contestants[1]!.run = { status: 'canceled', exitCode: null, durationMs: 9, branch: 'c' };
  r.contestants[1]!.grading.outcome = 'no-work';
  r.contestants[1]!.grading.note = 'nothing came back';
  save();
  r.ranking = [
    { name: 'fix', rank: 1, reason: 'resolved' },
    { name: 'noop', rank: 2, reason: 'no work' },
  ];
  r.status = 'graded';
  save();
  let before: BattleRecord | null = null;
  return steps.map((record) => {
    const said = battleEvents(before, record).map((e) => {
      if (e.type === 'battle.contestant')
        return `${e.name} ${e.step}${e.detail ? ` ${e.detail}` : ''}`;
      if (e.type === 'battle.status') return `status ${e.status}`;
      if (e.type === 'battle.budget') return `budget ${e.reached}`;
      if (e.type === 'battle.ranked') return `ranked ${e.ranking.map((x) => x.name).join(',')}`;
      return e.type;
    });
    before = record;
    return { record, said };
  });
}

describe('battleEvents', () => {
  it('says each step of a battle once, in the order it happened', () => {
    expect(life().map((s) => s.said)).toEqual([
      ['status running'],
      ['fix started'],
      ['base grading attempt 1', 'noop started'],
      ['base graded', 'fix ended succeeded, exit 0'],
      ['budget its time (12.0s)', 'noop ended canceled', 'noop no-work nothing came back'],
      ['status graded', 'ranked fix,noop'],
    ]);
  });

  it('says nothing for a save that changed nothing, and only what is new after a resume', () => {
    const steps = life();
    const mid = steps[2]!.record;
    expect(battleEvents(mid, structuredClone(mid))).toEqual([]);
    // Resumed from the record as it stood: the later steps, not the earlier ones again.
    const later = battleEvents(mid, steps[3]!.record).map((e) => e.type);
    expect(later).toEqual(['battle.contestant', 'battle.contestant']);
  });

  it('says the merge once it is recorded', () => {
    const graded = life().at(-1)!.record;
    const merged = structuredClone(graded);
    merged.merged = {
      contestant: 'fix',
      how: 'fast-forward',
      into: 'main',
      commit: 'abc123',
      at: '2026-12-05T08:00:00.000Z',
    };
    expect(battleEvents(graded, merged)).toEqual([
      {
        id: 'battle-ev001',
        type: 'battle.merged',
        contestant: 'fix',
        how: 'fast-forward',
        into: 'main',
        commit: 'abc123',
      },
    ]);
  });
});
