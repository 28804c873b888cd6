/**
 * Writes `battles/<id>/report.html` from what the battle left on disk: its record, its
 * grading files and the contestants' patches (kept when each run ended, so the report
 * needs no branch that `battle merge` may have archived or pruned).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { getBattlePaths } from '../../state/index.js';
import { baseGradingName, type BattleRecord } from './battle-record.js';
import { renderBattleReport } from './battle-report.js';
import { loadGradingFile, type BattleResults, type GradingFile } from './battle-results.js';

export async function writeBattleReport(
  home: string,
  record: BattleRecord,
  results: BattleResults,
): Promise<string> {
  const paths = getBattlePaths(home, record.id);
  const gradingFiles = new Map<string, GradingFile>();
  const patches = new Map<string, string>();
  for (const who of [baseGradingName, ...record.contestants.map((c) => c.name)]) {
    const file = await loadGradingFile(paths.grading, who);
    if (file) gradingFiles.set(who, file);
    const patch = await readFile(join(paths.diffs, `${who}.patch`), 'utf8').catch(() => null);
    if (patch !== null) patches.set(who, patch);
  }
  const html = renderBattleReport({
    record,
    results,
    gradingFiles,
    patches,
    generatedAt: new Date().toISOString(),
  });
  await writeFileAtomic(paths.report, html);
  return paths.report;
}
