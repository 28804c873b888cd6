/** A battle's status as a coloured word, in the colours of the instances' (the word tells). */
import type { BattleStatus } from '../lib/types.js';

const colour: Record<BattleStatus, string> = {
  running: 'status-running',
  graded: 'status-succeeded',
  interrupted: 'status-canceled',
};

export function BattleStatusBadge({ status }: { status: BattleStatus }) {
  return <span className={`badge ${colour[status]}`}>{status}</span>;
}
