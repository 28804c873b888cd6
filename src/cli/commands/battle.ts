/**
 * `corral battle`: several agents on one task from one base, each graded in a fresh sandbox
 * by the repository's own tests, ranked. `battle ls | show | resume` read and go on with
 * battles. The battle is driven from this command, its sandboxes supervised by the engine;
 * Ctrl-C stops the contestants (their work is kept) and `battle resume` finishes.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { formatDurationMs } from '../../lib/duration.js';
import { ExitCode } from '../../lib/errors.js';
import { tableCell } from '../../lib/terminal-text.js';
import { loadBattle, listBattles, saveBattle } from '../../orchestrator/battles/battle-record.js';
import { mergeBattle } from '../../orchestrator/battles/merge-battle.js';
import { computeLeaderboard, formatLeaderboard } from '../../orchestrator/battles/leaderboard.js';
import {
  loadBattleOutcomes,
  type LeaderboardKey,
} from '../../orchestrator/battles/battle-outcomes.js';
import type { BattleRecord } from '../../orchestrator/battles/battle-record.js';
import { createBattle, holdBattle } from '../../orchestrator/battles/create-battle.js';
import { driveBattle } from '../../orchestrator/battles/drive-battle.js';
import {
  loadBattleResults,
  type BattleResults,
} from '../../orchestrator/battles/battle-results.js';
import { getBattlePaths } from '../../state/paths.js';
import { alignRows, BattleBoard } from '../battle-board.js';
import { engineBattleInstances } from '../battle-instances.js';
import { battleSpecFromOptions, type BattleOptionValues } from '../battle-options.js';
import type { CommandContext } from '../context.js';
import { addBudgetOptions } from '../model-options.js';
import { printJson, printLine, progress } from '../output.js';
import {
  addSandboxOptions,
  parseBackend,
  parseLimits,
  type SandboxOptionValues,
} from '../run-options.js';

interface BattleOptions extends BattleOptionValues, SandboxOptionValues {
  repo?: string;
  json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerBattle(program: Command, ctx: CommandContext): void {
  const battle = program
    .command('battle')
    .description(
      "several agents on one task from one base, each graded by the repository's own tests in a fresh sandbox, ranked",
    )
    .option('-p, --prompt <task>', 'the task every contestant is given')
    .option(
      '--agents <list>',
      'the contestants: agent[@model][:count], comma-separated (e.g. claude,codex,claude:2)',
    )
    .option(
      '-f, --file <battle.yml>',
      'a battle file: contestants with their own model, prompt, name (README)',
    )
    .option('--test <command>', "the repository's test command that grades each result (sh -c)")
    .option(
      '--setup <command>',
      'prepares each grading sandbox before the tests (default: .corral/setup.sh, or from a lockfile: npm ci…)',
    )
    .option(
      '--fail-to-pass <test>',
      'a test that must go from failing to passing (repeatable; default: those failing on the base)',
      collect,
      [],
    )
    .option(
      '--pass-to-pass <test>',
      'a test that must keep passing (repeatable; default: those passing on the base)',
      collect,
      [],
    )
    .option(
      '--tests <pathspec>',
      'protected test files, restored from the base before grading (repeatable git pathspec; default: the common layouts)',
      collect,
      [],
    )
    .option(
      '--timeout <duration>',
      "each contestant's time (e.g. 20m): then it is stopped, its work kept and graded",
    )
    .option('--grade-timeout <duration>', 'each grading run (setup and tests), default 10m')
    .option('--parallel <n>', 'sandboxes at once (default: one per core, one per 2 GiB)')
    .option(
      '--allow-host <host>',
      "a host the contestants' agents may reach (repeatable)",
      collect,
      [],
    )
    .option(
      '--setup-allow-host <host>',
      'a host the grading sandboxes may reach, for the setup (repeatable)',
      collect,
      [],
    )
    .option(
      '--rank <keys>',
      'the ranking rule: keys in order from resolved, score, flags, diff, cost, time',
    )
    .option('--repo <dir>', 'the source repository (default: the current directory)')
    .option('--json', 'print one JSON object with the battle and its ranking')
    .addHelpText(
      'after',
      `
Examples:
  corral battle -p "fix the date bug in the report" --agents claude,codex --test "npm test"
  corral battle --agents claude:3 -p "make the tests pass" --test "pytest -rA" --timeout 20m
  corral battle -f battle.yml
  corral battle ls
  corral battle show battle-x7k2p

Each contestant works in its own sandbox on a copy of your tree (with its uncommitted
changes) that holds nothing of the others. Each result is then graded in a fresh sandbox:
the base's test files restored, the setup run, the test command run, its results read per
test. The base is graded too, so the tests that must start passing (and those that must
keep passing) are known without naming them.

Exit code: 0 graded, 130 interrupted (corral battle resume <battle> goes on), 2-5 bad input.`,
    );
  addBudgetOptions(addSandboxOptions(battle)).action(async (o: BattleOptions) => {
    const spec = battleSpecFromOptions(o);
    const limits = parseLimits(o);
    const backend = parseBackend(o.backend);
    const engine = await ctx.engine();
    const record = await createBattle(ctx.home(), {
      repoDir: resolve(o.repo ?? process.cwd()),
      spec,
      backend,
      limits,
    });
    progress(
      `corral: ${record.id}: ${record.contestants.length} contestants, up to ${spec.parallel} sandboxes at once`,
    );
    await drive(ctx, engine, record, Boolean(o.json));
  });

  battle
    .command('resume')
    .description('go on with a battle that was interrupted (Ctrl-C) or whose command was killed')
    .argument('<battle>', 'the battle id')
    .option('--json', 'print one JSON object with the battle and its ranking')
    .action(async (id: string, o: { json?: boolean }) => {
      const record = await loadBattle(ctx.home(), id);
      const engine = await ctx.engine();
      await drive(ctx, engine, record, Boolean(o.json));
    });

  battle
    .command('merge')
    .description(
      'merge the winner (or a named contestant) into the branch the battle started from; archive the other branches',
    )
    .argument('<battle>', 'the battle id')
    .argument(
      '[contestant]',
      'merge this one instead of the winner (even if it did not resolve the task)',
    )
    .option('--prune', "delete the other contestants' branches instead of archiving them")
    .option('--json', 'print one JSON object with what was merged and where the others went')
    .addHelpText(
      'after',
      `
A battle from a clean tree fast-forwards its branch when it has not moved (or merges, when
it is checked out); one from uncommitted changes gets the contestant's change applied to
your tree, uncommitted. Either way it refuses, changing nothing, when your tree would
conflict. The others go to corral/archive/<battle>/<name> (or away with --prune).`,
    )
    .action(
      async (id: string, name: string | undefined, o: { prune?: boolean; json?: boolean }) => {
        const home = ctx.home();
        const held = await holdBattle(home, id);
        try {
          const record = await loadBattle(home, id);
          const results = await loadBattleResults(home, record);
          const merged = await mergeBattle(record, results, {
            ...(name !== undefined ? { contestant: name } : {}),
            prune: Boolean(o.prune),
          });
          record.merged = {
            contestant: merged.contestant,
            how: merged.how,
            into: merged.into,
            commit: merged.commit,
            at: new Date().toISOString(),
          };
          await saveBattle(home, record);
          if (o.json) printJson({ battle: id, ...merged });
          else {
            const how = {
              'fast-forward': 'fast-forwarded',
              merge: 'merged',
              'applied-to-tree': 'applied to your tree (uncommitted)',
            }[merged.how];
            printLine(`${merged.contestant}: ${merged.branch} ${how} into ${merged.into}`);
            for (const other of merged.others)
              printLine(`  ${other.name}: ${other.to === null ? 'deleted' : `→ ${other.to}`}`);
          }
        } finally {
          await held.release();
        }
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

  battle
    .command('ls')
    .description('list the battles, newest first')
    .option('--json', 'print one JSON object: { battles: [...] }')
    .action(async (o: { json?: boolean }) => {
      const all = await listBattles(ctx.home());
      if (o.json) {
        printJson({ battles: all.map((b) => summary(b)) });
        return;
      }
      if (all.length === 0) {
        printLine('no battles yet (corral battle --help shows how to start one)');
        return;
      }
      const rows = [['battle', 'status', 'contestants', 'winner', 'created']];
      for (const b of all) {
        const s = summary(b);
        rows.push([b.id, b.status, String(b.contestants.length), s.winner ?? '', b.createdAt]);
      }
      for (const line of alignRows(rows.map((r) => r.map((c) => tableCell(c, 60)))))
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
      if (o.json) printJson(resultJson(ctx, record, results));
      else printResults(ctx, record, results);
    });
}

async function drive(
  ctx: CommandContext,
  engine: Awaited<ReturnType<CommandContext['engine']>>,
  record: BattleRecord,
  json: boolean,
): Promise<void> {
  const home = ctx.home();
  const held = await holdBattle(home, record.id);
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) return;
    progress(`corral: stopping ${record.id}; the contestants' work is kept…`);
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  const board = new BattleBoard();
  try {
    const done = await driveBattle(
      {
        home,
        instances: engineBattleInstances(engine),
        onChange: (r) => board.update(r),
      },
      record,
      controller.signal,
    );
    board.close();
    if (done.status === 'interrupted') {
      progress(`corral: ${done.id} interrupted; corral battle resume ${done.id} goes on.`);
      if (json) printJson(summary(done));
      process.exitCode = ExitCode.canceled;
      return;
    }
    const results = await loadBattleResults(home, done);
    if (json) printJson(resultJson(ctx, done, results));
    else printResults(ctx, done, results);
  } finally {
    board.close();
    for (const s of signals) process.off(s, onSignal);
    await held.release();
  }
}

function summary(b: BattleRecord) {
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

function resultJson(ctx: CommandContext, b: BattleRecord, results: BattleResults) {
  return {
    ...summary(b),
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

function printResults(ctx: CommandContext, b: BattleRecord, results: BattleResults): void {
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
  for (const line of alignRows(rows.map((r) => r.map((cell) => tableCell(cell, 60)))))
    printLine(line);
  const winner = results.ranked[0];
  if (winner) {
    const c = b.contestants.find((x) => x.name === winner.name)!;
    printLine('');
    printLine(`winner: ${winner.name} (${winner.reason}), branch ${c.run?.branch ?? '—'}`);
  }
  progress(`corral: report ${getBattlePaths(ctx.home(), b.id).report}`);
}
