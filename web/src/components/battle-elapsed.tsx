/**
 * How long a battle has taken: counts up while it runs (the page's one clock), fixed once
 * it ended; an interrupted battle that never ended has no time to show.
 */
import { battleElapsedMs } from '../lib/battle-view.js';
import { formatDuration } from '../lib/format.js';
import { useNow } from '../lib/hooks.js';
import type { BattleRecord } from '../lib/types.js';

export function BattleElapsed({ record }: { record: BattleRecord }) {
  const running = record.endedAt === null && record.status === 'running';
  const now = useNow(running);
  if (!running && record.endedAt === null) return <>–</>;
  return <>{formatDuration(battleElapsedMs(record, now))}</>;
}
