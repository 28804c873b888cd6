/**
 * Battle records built by hand for the battle unit tests: a battle of `shell` contestants
 * (named as given, nothing run yet) with its spec, and one contestant's state. Test-only:
 * the build leaves `*.fixture.ts` out of dist.
 */
import {
  BattleRecord,
  newContestantState,
  newGradingState,
  type ContestantState,
} from './battle-record.js';
import { BattleSpec } from './battle-spec.js';

export function sampleContestant(
  name: string,
  over: Partial<ContestantState> = {},
): ContestantState {
  return { ...newContestantState({ name, agent: 'claude', model: null }), ...over };
}

/** A running battle of the named contestants, checked against the record's schema. */
export function sampleBattle(
  names: readonly string[],
  over: Partial<BattleRecord> = {},
  spec: { prompt?: string } = {},
): BattleRecord {
  return BattleRecord.parse({
    schemaVersion: 1,
    id: 'battle-test1',
    createdAt: '2026-12-05T07:00:00.000Z',
    endedAt: null,
    status: 'running',
    repoDir: '/src/app',
    startBranch: 'main',
    base: null,
    backend: 'local',
    limits: { memoryBytes: 2 ** 30, cpus: 1, pids: 256 },
    spec: BattleSpec.parse({
      prompt: 'fix it',
      contestants: names.map((name) => ({ name, agent: 'shell', command: ['true'] })),
      test: 'npm test',
      parallel: names.length,
      ...spec,
    }),
    baseGrading: newGradingState(),
    contestants: names.map((name) => sampleContestant(name, { agent: 'shell' })),
    ranking: null,
    ...over,
  });
}
