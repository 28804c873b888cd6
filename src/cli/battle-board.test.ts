/** The battle board's lines: one per contestant and the base, each phase in words. */
import { describe, expect, it } from 'vitest';
import type { BattleRecord } from '../orchestrator/battles/battle-record.js';
import { newGradingState } from '../orchestrator/battles/battle-record.js';
import { sampleContestant } from '../orchestrator/battles/battle-record.fixture.js';
import { boardLines } from './battle-board.js';

describe('boardLines', () => {
  it('says where each contestant is, aligned, and never lets a name drive the terminal', () => {
    const record = {
      id: 'battle-test1',
      status: 'running',
      createdAt: new Date(0).toISOString(),
      baseGrading: { ...newGradingState(), instanceId: 'shell-g1', attempts: 1 },
      contestants: [
        sampleContestant('waits'),
        sampleContestant('runs', { instanceId: 'claude-aaaaa' }),
        sampleContestant('done', {
          instanceId: 'claude-bbbbb',
          run: { status: 'succeeded', exitCode: 0, durationMs: 65_000, branch: 'corral/x' },
          work: { files: 1, added: 3, deleted: 1 },
          grading: { ...newGradingState(), outcome: 'graded' },
        }),
        sampleContestant('evil\x1b]0;owned\x07', { agent: 'shell' }),
      ],
    } as unknown as BattleRecord;
    const lines = boardLines(record, 90_000);
    expect(lines[0]).toMatch(/^ +contestant +agent +phase +time +changed$/);
    expect(lines[1]).toMatch(/base +grading$/);
    expect(lines[2]).toMatch(/waits +claude +waiting$/);
    expect(lines[3]).toMatch(/runs +claude +running \(claude-aaaaa\) +1m30s$/);
    expect(lines[4]).toMatch(/done +claude +succeeded \(exit 0\), graded +1m5s +1 file \+3 −1$/);
    expect(lines.join('\n')).not.toContain('\x1b');
    // Columns line up: every phase starts where the header's does.
    const at = lines[0]!.indexOf('phase');
    for (const line of lines.slice(2, 5)) expect(line.slice(at - 2, at)).toBe('  ');
  });
});
