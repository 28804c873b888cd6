/** How long a run has taken: counts up while it runs (the page's one clock), fixed after. */
import { elapsedMs, formatDuration } from '../lib/format.js';
import { useNow } from '../lib/hooks.js';
import type { Metadata } from '../lib/types.js';

export function Elapsed({ meta }: { meta: Metadata }) {
  const running = meta.startedAt !== null && meta.endedAt === null;
  const now = useNow(running);
  const ms = elapsedMs(meta, now);
  return <>{ms === null ? '–' : formatDuration(ms)}</>;
}
