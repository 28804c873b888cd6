/**
 * Battles in the index: a row replaced whole on each save (its contestants with it), listed
 * newest first, and an instance's battle found by the instance.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BattleRow } from './battle-table.js';
import { InstanceIndex } from './instance-index.js';

let index: InstanceIndex;
beforeEach(() => (index = InstanceIndex.open(':memory:')));
afterEach(() => index.close());

function row(id: string, createdAt: number, over: Partial<BattleRow> = {}): BattleRow {
  return {
    id,
    repo: '/src/app',
    task: 'fix it',
    status: 'running',
    createdAt,
    endedAt: null,
    record: JSON.stringify({ id, status: over.status ?? 'running' }),
    contestants: [
      { instanceId: `${id}-a`, name: 'a', agent: 'shell', model: null, grade: null, rank: null },
    ],
    ...over,
  };
}

describe('BattleTable', () => {
  it('keeps the newest save of each battle and its contestants, newest battle first', () => {
    const { battles } = index;
    battles.put(row('battle-00001', 1000));
    battles.put(row('battle-00002', 2000));
    battles.put(
      row('battle-00001', 1000, {
        status: 'graded',
        endedAt: 5000,
        contestants: [
          { instanceId: 'x-b', name: 'b', agent: 'codex', model: 'm', grade: '{}', rank: 1 },
        ],
      }),
    );
    expect(battles.records().map((r) => JSON.parse(r) as { id: string; status: string })).toEqual([
      { id: 'battle-00002', status: 'running' },
      { id: 'battle-00001', status: 'graded' },
    ]);
    // The contestants of the first save went with it; the new ones are there.
    expect(battles.battleOf('battle-00001-a')).toBeUndefined();
    expect(battles.battleOf('x-b')).toBe('battle-00001');
    expect(index.database.prepare('SELECT count(*) FROM battle_contestants').pluck().get()).toBe(2);
    expect(battles.record('battle-00003')).toBeUndefined();
  });
});
