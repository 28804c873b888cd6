/**
 * Parses human durations used on the command line (`90s`, `30m`, `1h30m`, `500ms`, or a
 * bare number of seconds) into milliseconds.
 */
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (const m of trimmed.matchAll(re)) {
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
    matched += m[0].length;
  }
  if (matched === 0 || matched !== trimmed.length || total <= 0) return undefined;
  return Math.round(total);
}

export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  if (m < 60) return `${m}m${rest ? `${rest}s` : ''}`;
  return `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}

/** Parses sizes such as `2g`, `512m`, `1024k` or bytes into a byte count. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(text.trim());
  if (!m) return undefined;
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4 }[(m[2] ?? '').toLowerCase()] ?? 0;
  const value = Math.round(Number(m[1]) * 1024 ** pow);
  return value > 0 ? value : undefined;
}

/** Writes a byte count the way `parseBytes` reads it, in the largest exact unit: `4g`, `1536m`. */
export function formatBytes(bytes: number): string {
  for (const [unit, pow] of [
    ['t', 4],
    ['g', 3],
    ['m', 2],
    ['k', 1],
  ] as const) {
    const size = 1024 ** pow;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
