/**
 * `corral battle ls | show | stats`: the battles in this home, one battle's grades and
 * ranking, and the leaderboard across all graded battles. Read-only.
 */
import { Option, type Command } from 'commander';
import { tableCell } from '../../lib/terminal-text.js';
import { alignColumns } from '../../lib/text-table.js';
import {
  loadBattleOutcomes,
  type LeaderboardKey,
} from '../../orchestrator/battles/battle-outcomes.js';
import { listBattles, loadBattle } from '../../orchestrator/battles/battle-record.js';
import { loadBattleResults } from '../../orchestrator/battles/battle-results.js';
import { computeLeaderboard, formatLeaderboard } from '../../orchestrator/battles/leaderboard.js';
import { battleResultJson, battleSummary, printBattleResults } from '../battle-output.js';
import type { CommandContext } from '../context.js';
import { printJson, printLine } from '../output.js';

export function registerBattleQueries(battle: Command, ctx: CommandContext): void {
  battle
    .command('ls')
    .description('list the battles, newest first')
    .option('--json', 'print one JSON object: { battles: [...] }')
    .action(async (o: { json?: boolean }) => {
      const all = await listBattles(ctx.home());
      if (o.json) {
        printJson({ battles: all.map((b) => battleSummary(b)) });
        return;
      }
      if (all.length === 0) {
        printLine('no battles yet (corral battle --help shows how to start one)');
        return;
      }
      const rows = [['battle', 'status', 'contestants', 'winner', 'created']];
      for (const b of all) {
        const s = battleSummary(b);
        rows.push([b.id, b.status, String(b.contestants.length), s.winner ?? '', b.createdAt]);
      }
      for (const line of alignColumns(rows.map((r) => r.map((c) => tableCell(c, 60)))))
        printLine(line);
    });

  battle
    .command('show')
    .description('one battle: its contestants, their grades and the ranking')
    .argument('<battle>', 'the battle id')
    .option('--json', 'print one JSON object with the battle and its ranking')
    .action(async (id: string, o: { json?: boolean }) => {
      const record = await loadBattle(ctx.home(), id);
      const results = await loadBattleResults(ctx.home(), record);
      if (o.json) printJson(battleResultJson(ctx, record, results));
      else printBattleResults(ctx, record, results);
    });

  battle
    .command('stats')
    .description('rank agents, models or prompt variants across every graded battle')
    .addOption(
      new Option(
        '--by <what>',
        'what is rated: agent, model (agent@model) or variant (contestant name)',
      )
        .choices(['agent', 'model', 'variant'])
        .default('model'),
    )
    .option('--json', 'print one JSON object: { by, rows: [...] }')
    .addHelpText(
      'after',
      `
Each battle's ranking becomes games between its contestants (a lower rank wins, a shared
rank is a tie), fitted with a Bradley-Terry model; the rating is on an Elo-like scale
(mean 1500) with a 95% interval. Cost per solved task: the known model cost over the
battles resolved.`,
    )
    .action(async (o: { by: LeaderboardKey; json?: boolean }) => {
      const outcomes = await loadBattleOutcomes(ctx.home(), o.by);
      const rows = computeLeaderboard(outcomes);
      if (o.json) {
        printJson({ by: o.by, battles: outcomes.length, rows });
        return;
      }
      if (rows.length === 0) {
        printLine('no graded battles yet (corral battle --help shows how to start one)');
        return;
      }
      for (const line of formatLeaderboard(rows)) printLine(line);
    });
}
