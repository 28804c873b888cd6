/**
 * Every graded battle in a home as the leaderboard takes it (leaderboard.ts): per battle, its
 * graded contestants with their rank, whether they resolved the task, cost and time, each
 * under the key being rated: its agent, its agent and model, or its name (a prompt variant).
 */
import type { BattleOutcome } from './leaderboard.js';
import { listBattles } from './battle-record.js';
import { costOf, loadBattleResults } from './battle-results.js';

export type LeaderboardKey = 'agent' | 'model' | 'variant';

export async function loadBattleOutcomes(
  home: string,
  by: LeaderboardKey,
): Promise<BattleOutcome[]> {
  const outcomes: BattleOutcome[] = [];
  for (const record of await listBattles(home)) {
    if (record.status !== 'graded') continue;
    const results = await loadBattleResults(home, record);
    const entries: BattleOutcome['entries'] = [];
    for (const ranked of results.ranked) {
      const grade = results.grades.get(ranked.name);
      if (!grade || grade.infrastructure) continue;
      const c = record.contestants.find((x) => x.name === ranked.name)!;
      const key =
        by === 'agent'
          ? c.agent
          : by === 'model'
            ? c.model === null
              ? c.agent
              : `${c.agent}@${c.model}`
            : c.name;
      entries.push({
        key,
        rank: ranked.rank,
        resolved: grade.resolved,
        costUsd: costOf(c),
        durationMs: c.run?.durationMs ?? null,
      });
    }
    outcomes.push({ battleId: record.id, endedAt: record.endedAt, entries });
  }
  return outcomes;
}
