/** An instance's status as a coloured word (the word is the information; colour helps). */
import type { InstanceStatus } from '../lib/types.js';

export function StatusBadge({ status }: { status: InstanceStatus }) {
  return (
    <span className={`badge status-${status}`}>{status === 'created' ? 'starting' : status}</span>
  );
}
