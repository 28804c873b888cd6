/**
 * What the readers of a runner's text output share. Each takes the output as plain lines
 * (`toPlainLines`) and returns, beside its report, the line where the runner's closing
 * summary stands: a test body can print anything, but only before the runner's own last
 * words, so when several readers recognise something, the one whose summary comes last is
 * the runner that actually ran.
 */
import type { ReadOptions, TestReport } from './test-results.js';

export interface TextReading {
  report: TestReport;
  /** The index of the runner's last summary line, or -1 when it printed none. */
  closingLine: number;
}

export type TextReader = (lines: readonly string[], options?: ReadOptions) => TextReading | null;

/**
 * The `N word` pairs of a summary, by word: `1 failed, 4 passed, 1 skipped` and
 * `1 failed | 2 passed (3)` alike.
 */
export function countsIn(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/(\d+) ([a-z]+)/g)) {
    const word = match[2]!;
    counts.set(word, (counts.get(word) ?? 0) + Number(match[1]));
  }
  return counts;
}

/** A count from `countsIn` under any of the given words, or null when none is there. */
export function countOf(counts: Map<string, number>, ...words: string[]): number | null {
  let total: number | null = null;
  for (const word of words) {
    const n = counts.get(word);
    if (n !== undefined) total = (total ?? 0) + n;
  }
  return total;
}
