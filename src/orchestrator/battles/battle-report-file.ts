/**
 * Writes `battles/<id>/report.html` from what the battle left on disk: its record, its
 * results (with the grading files they were read from) and the contestants' patches (kept when each run ended, so the report
 * needs no branch that `battle merge` may have archived or pruned).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { getBattlePaths } from '../../state/index.js';
import type { BattleRecord } from './battle-record.js';
import { renderBattleReport } from './battle-report.js';
import type { BattleResults } from './battle-results.js';

export async function writeBattleReport(
  home: string,
  record: BattleRecord,
  results: BattleResults,
): Promise<string> {
  const paths = getBattlePaths(home, record.id);
  const patches = new Map<string, string>();
  for (const who of record.contestants.map((c) => c.name)) {
    const patch = await readFile(join(paths.diffs, `${who}.patch`), 'utf8').catch(() => null);
    if (patch !== null) patches.set(who, patch);
  }
  const html = renderBattleReport({
    record,
    results,
    patches,
    generatedAt: new Date().toISOString(),
  });
  await writeFileAtomic(paths.report, html);
  return paths.report;
}
