/**
 * Battles: grading each contestant's branch against the base, ranking the contestants, and
 * the leaderboard of agents, models or prompt variants across battles.
 */
export { countTests, suiteRan, type GradingRun } from './grading-run.js';
export {
  selectNamedTests,
  selectTests,
  testNameParts,
  type TestSelection,
} from './test-selection.js';
export {
  claimDisagreement,
  findIntegrityFlags,
  integrityRules,
  type IntegrityFlag,
  type IntegrityFlagCode,
  type IntegrityRule,
} from './integrity-flags.js';
export { scoreGrade, scoreWeights, type ScorePart } from './score.js';
export {
  gradeContestant,
  infrastructureReason,
  listedIdsMax,
  type FailToPass,
  type Grade,
  type GradeInput,
  type PassToPass,
} from './grade.js';
export {
  defaultRankRule,
  defaultRankRuleDescription,
  describeRankRule,
  parseRankRule,
  rankKeys,
  type RankKey,
  type RankRule,
} from './rank-rule.js';
export { rankContestants, type RankEntry, type Ranked } from './rank.js';
export {
  computeLeaderboard,
  formatLeaderboard,
  type BattleOutcome,
  type LeaderboardRow,
} from './leaderboard.js';
export { renderBattleReport, type BattleReportInput } from './battle-report.js';
