/**
 * What the battle commands print: a battle's summary (for lists and an interrupted battle),
 * its whole outcome as one JSON object, and the ranked table for people.
 */
import { formatDurationMs } from '../lib/duration.js';
import { tableCell } from '../lib/terminal-text.js';
import { alignColumns } from '../lib/text-table.js';
import type { BattleRecord } from '../orchestrator/battles/battle-record.js';
import type { BattleResults } from '../orchestrator/battles/battle-results.js';
import { getBattlePaths } from '../state/paths.js';
import type { CommandContext } from './context.js';
import { printLine, progress } from './output.js';

export function battleSummary(b: BattleRecord) {
  return {
    id: b.id,
    status: b.status,
    createdAt: b.createdAt,
    endedAt: b.endedAt,
    repo: b.repoDir,
    base: b.base,
    contestants: b.contestants.map((c) => c.name),
    winner: b.ranking?.[0]?.name ?? null,
  };
}

export function battleResultJson(ctx: CommandContext, b: BattleRecord, results: BattleResults) {
  return {
    ...battleSummary(b),
    report: getBattlePaths(ctx.home(), b.id).report,
    ranking: results.ranked,
    contestants: b.contestants.map((c) => ({
      name: c.name,
      agent: c.agent,
      model: c.model,
      instance: c.instanceId,
      branch: c.run?.branch ?? null,
      run: c.run,
      work: c.work,
      grading: c.grading,
      grade: results.grades.get(c.name) ?? null,
    })),
    base: { commit: b.base, grading: b.baseGrading, run: results.base },
  };
}

export function printBattleResults(
  ctx: CommandContext,
  b: BattleRecord,
  results: BattleResults,
): void {
  const rows = [
    [
      'rank',
      'contestant',
      'resolved',
      'score',
      'fail→pass',
      'pass→pass',
      'changed',
      'time',
      'flags',
    ],
  ];
  for (const r of results.ranked) {
    const c = b.contestants.find((x) => x.name === r.name)!;
    const g = results.grades.get(r.name) ?? null;
    rows.push([
      String(r.rank),
      r.name,
      g ? (g.resolved ? 'yes' : 'no') : '—',
      g ? g.score.toFixed(2) : '—',
      g ? `${g.failToPass.passed}/${g.failToPass.total}` : '—',
      g ? `${g.passToPass.passed}/${g.passToPass.total}` : '—',
      c.work ? `+${c.work.added} −${c.work.deleted}` : '',
      c.run?.durationMs != null ? formatDurationMs(c.run.durationMs) : '',
      g ? g.flags.map((f) => f.code).join(',') : (c.grading.note ?? c.grading.outcome ?? ''),
    ]);
  }
  for (const line of alignColumns(rows.map((r) => r.map((cell) => tableCell(cell, 60)))))
    printLine(line);
  const winner = results.ranked[0];
  const graded = winner && results.grades.get(winner.name);
  if (winner && graded && !graded.infrastructure) {
    const c = b.contestants.find((x) => x.name === winner.name)!;
    printLine('');
    printLine(`winner: ${winner.name} (${winner.reason}), branch ${c.run?.branch ?? '—'}`);
  } else if (winner) {
    // First only because nobody was graded: no winner to name.
    printLine('');
    printLine(`no winner: no contestant could be graded (${winner.reason})`);
  }
  progress(`corral: report ${getBattlePaths(ctx.home(), b.id).report}`);
}
