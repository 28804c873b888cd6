/**
 * A battle's record as its index rows (store/battle-table.ts): the battle with its task and
 * status, and each contestant that has an instance, with how its grading ended and its rank.
 */
import type { BattleRow } from '../../store/index.js';
import type { BattleRecord } from './battle-record.js';

export function battleRow(record: BattleRecord): BattleRow {
  const rankOf = new Map(record.ranking?.map((r) => [r.name, r.rank]) ?? []);
  return {
    id: record.id,
    repo: record.repoDir,
    task: record.spec.prompt ?? `${record.spec.contestants.length} contestants`,
    status: record.status,
    createdAt: Date.parse(record.createdAt),
    endedAt: record.endedAt === null ? null : Date.parse(record.endedAt),
    record: JSON.stringify(record),
    contestants: record.contestants.flatMap((c) =>
      c.instanceId === null
        ? []
        : [
            {
              instanceId: c.instanceId,
              name: c.name,
              agent: c.agent,
              model: c.model,
              grade:
                c.grading.outcome === null
                  ? null
                  : JSON.stringify({ outcome: c.grading.outcome, run: c.run, work: c.work }),
              rank: rankOf.get(c.name) ?? null,
            },
          ],
    ),
  };
}
