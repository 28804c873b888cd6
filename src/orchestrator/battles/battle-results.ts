/**
 * A battle's grades and ranking, computed from what its grading runs left in
 * `battles/<id>/grading/` and its record: each contestant graded against the base
 * (grade.ts), then all ranked by the battle's rule (rank.ts). Computed afresh whenever
 * asked (by the driver at the end, by `battle show`, by the report): the files are the
 * truth, a grade is their function.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getBattlePaths } from '../../state/index.js';
import { baseGradingName, type BattleRecord, type ContestantState } from './battle-record.js';
import { gradeContestant, type Grade } from './grade.js';
import type { GradingRun } from './grading-run.js';
import { defaultRankRule, parseRankRule } from './rank-rule.js';
import { rankContestants } from './rank.js';

/** What one grading run left: its results, and the protected test files the branch changed. */
export interface GradingFile {
  run: GradingRun;
  changedTests: string[];
  /** Files that configure how the tests run, changed against the base (absent: none). */
  changedRunner?: string[];
}

export interface RankedContestant {
  name: string;
  rank: number;
  reason: string;
}

export interface BattleResults {
  /** The base's grading run; null until it is graded. */
  base: GradingRun | null;
  /** Each graded contestant's grade, by name. */
  grades: Map<string, Grade>;
  /** What each grading run left, by who it is for ('base' and the graded contestants). */
  gradingFiles: Map<string, GradingFile>;
  /** Every contestant, best first (those not graded last). */
  ranked: RankedContestant[];
}

export async function loadBattleResults(
  home: string,
  record: BattleRecord,
): Promise<BattleResults> {
  const dir = getBattlePaths(home, record.id).grading;
  const base = await loadGradingFile(dir, baseGradingName);
  const grades = new Map<string, Grade>();
  const gradingFiles = new Map<string, GradingFile>();
  if (base) gradingFiles.set(baseGradingName, base);
  for (const c of record.contestants) {
    const file = c.grading.outcome === 'graded' ? await loadGradingFile(dir, c.name) : null;
    if (!file) continue;
    gradingFiles.set(c.name, file);
    if (!base) continue;
    grades.set(
      c.name,
      gradeContestant({
        base: base.run,
        contestant: file.run,
        failToPass: record.spec.failToPass,
        passToPass: record.spec.passToPass,
        testFilesChanged: file.changedTests,
        runnerFilesChanged: file.changedRunner ?? [],
      }),
    );
  }
  const rule = record.spec.rank === null ? defaultRankRule : parseRankRule(record.spec.rank);
  const ranked = rankContestants(
    record.contestants.map((c) => ({
      name: c.name,
      grade: grades.get(c.name) ?? null,
      durationMs: c.run?.durationMs ?? null,
      diffLines: c.work ? c.work.added + c.work.deleted : null,
      costUsd: costOf(c),
    })),
    rule,
  ).map((r) => ({ name: r.name, rank: r.rank, reason: r.reason }));
  return { base: base?.run ?? null, grades, gradingFiles, ranked };
}

/** What a contestant's model calls cost; null when it made none the gateway metered. */
export function costOf(c: ContestantState): number | null {
  // A contestant that made no metered call (a shell baseline) has no cost to compare.
  return c.spent && c.spent.tokens > 0 ? c.spent.usd : null;
}

async function loadGradingFile(dir: string, who: string): Promise<GradingFile | null> {
  const text = await readFile(join(dir, `${who}.json`), 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as GradingFile);
}
