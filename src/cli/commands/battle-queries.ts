/**
 * `corral battle ls | show | logs | stats`: the battles in this home, one battle's grades
 * and ranking, what a battle (or one contestant in it) did, and the leaderboard across all
 * graded battles. Read-only.
 */
import { Option, type Command } from 'commander';
import { tableCell } from '../../lib/terminal-text.js';
import { alignColumns } from '../../lib/text-table.js';
import {
  loadBattleOutcomes,
  type LeaderboardKey,
} from '../../orchestrator/battles/battle-outcomes.js';
import { describeEvent } from '../../events/index.js';
import { CorralError } from '../../lib/errors.js';
import { loadBattleResults } from '../../orchestrator/battles/battle-results.js';
import { computeLeaderboard, formatLeaderboard } from '../../orchestrator/battles/leaderboard.js';
import { battleResultJson, battleSummary, printBattleResults } from '../battle-output.js';
import type { CommandContext } from '../context.js';
import { defaultView, showInstanceLogs } from './logs.js';
import { printJson, printLine } from '../output.js';

export function registerBattleQueries(battle: Command, ctx: CommandContext): void {
  battle
    .command('ls')
    .description('list the battles, newest first')
    .option('--json', 'print one JSON object: { battles: [...] }')
    .action(async (o: { json?: boolean }) => {
      const all = await (await ctx.engine()).listBattles();
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
      const record = await (await ctx.engine()).getBattle(id);
      const results = await loadBattleResults(ctx.home(), record);
      if (o.json) printJson(battleResultJson(ctx, record, results));
      else printBattleResults(ctx, record, results);
    });

  battle
    .command('logs')
    .description("what a battle did (its steps), or one contestant's run; -f follows it live")
    .argument('<battle>', 'the battle id')
    .argument('[contestant]', "a contestant's name: its agent's events (or output)")
    .option('-f, --follow', 'keep printing until it ends')
    .option('--raw', "the contestant's raw output instead of its events")
    .option('--json', 'the events as NDJSON')
    .action(
      async (
        id: string,
        name: string | undefined,
        o: { follow?: boolean; raw?: boolean; json?: boolean },
      ) => {
        const engine = await ctx.engine();
        const record = await engine.getBattle(id);
        const follow = Boolean(o.follow);
        if (name === undefined) {
          await engine.followBattle(id, { after: 0, follow }, (event) => {
            if (o.json) printLine(JSON.stringify(event));
            else printLine(tableCell(`${event.ts}  ${describeEvent(event)}`, 400));
          });
          return;
        }
        const c = record.contestants.find((x) => x.name === name);
        if (!c) {
          throw new CorralError('INSTANCE_NOT_FOUND', `Battle ${id} has no contestant '${name}'.`, {
            hint: `Its contestants: ${record.contestants.map((x) => x.name).join(', ')}.`,
          });
        }
        if (c.instanceId === null) {
          throw new CorralError('INSTANCE_NOT_FOUND', `${name} in ${id} has not started.`, {
            hint: `corral battle resume ${id} goes on with it.`,
          });
        }
        const m = await engine.getInstance(c.instanceId);
        const view = o.json ? 'ndjson' : o.raw ? 'raw' : defaultView(m);
        await showInstanceLogs(engine, m, view, { follow });
      },
    );

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
