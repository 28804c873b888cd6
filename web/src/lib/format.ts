/** Numbers and times as the dashboard shows them. */

/** @example formatDuration(3_723_000) // '1h 02m' */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** @example formatTokens(12_345) // '12.3k' */
export function formatTokens(n: number | null): string {
  if (n === null) return '–';
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function formatUsd(usd: number | null): string {
  return usd === null ? '–' : `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

/** How long a run took, or has taken so far (`now`), or nothing before it started. */
export function elapsedMs(
  meta: { startedAt: string | null; endedAt: string | null; durationMs: number | null },
  now: number,
): number | null {
  if (!meta.startedAt) return null;
  if (meta.endedAt) return meta.durationMs ?? Date.parse(meta.endedAt) - Date.parse(meta.startedAt);
  return now - Date.parse(meta.startedAt);
}
