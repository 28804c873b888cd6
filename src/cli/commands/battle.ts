/**
 * `corral battle`: several agents on one task from one base, each graded in a fresh sandbox
 * by the repository's own tests, ranked; and `battle resume`, which goes on with one (merge
 * is battle-merge.ts; ls, show and stats are battle-queries.ts). The battle is driven from
 * this command, its sandboxes supervised by the engine; Ctrl-C stops the contestants (their
 * work is kept) and `battle resume` finishes.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { EngineApi } from '../../engine/engine-api.js';
import { ExitCode } from '../../lib/errors.js';
import { loadBattle, type BattleRecord } from '../../orchestrator/battles/battle-record.js';
import { loadBattleResults } from '../../orchestrator/battles/battle-results.js';
import { createBattle, holdBattle } from '../../orchestrator/battles/create-battle.js';
import { driveBattle } from '../../orchestrator/battles/drive-battle.js';
import { BattleBoard } from '../battle-board.js';
import { engineBattleInstances } from '../battle-instances.js';
import { battleSpecFromOptions, type BattleOptionValues } from '../battle-options.js';
import { battleResultJson, battleSummary, printBattleResults } from '../battle-output.js';
import type { CommandContext } from '../context.js';
import { addBudgetOptions } from '../model-options.js';
import { printJson, progress, usage } from '../output.js';
import {
  addSandboxOptions,
  collect,
  parseBackend,
  parseLimits,
  type SandboxOptionValues,
} from '../run-options.js';
import { registerBattleMerge } from './battle-merge.js';
import { registerBattleQueries } from './battle-queries.js';

interface BattleOptions extends BattleOptionValues, SandboxOptionValues {
  repo?: string;
  json?: boolean;
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
      '--build <command>',
      'a build check run before the tests: failing where the base passed rules a contestant out',
    )
    .option(
      '--lint <command>',
      'a lint check run before the tests: failing where the base passed costs a little score',
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
    .option(
      '--battle-budget-time <duration>',
      'the whole battle: past this, the contestants still running are stopped (work kept, graded)',
    )
    .option(
      '--battle-budget-usd <usd>',
      'the whole battle: once its contestants spent this together, the same',
    )
    .option('--battle-budget-tokens <n>', 'the whole battle, in tokens (e.g. 2m)')
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
    if (o.image !== undefined)
      throw usage(
        "--image is not taken by battle yet: each contestant gets its agent's image, each grading the sandbox image.",
        'Drop --image (corral run --image takes one).',
      );
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
    const setup = record.spec.setup === null ? 'no setup' : `setup: ${record.spec.setup}`;
    progress(
      `corral: ${record.id}: ${record.contestants.length} contestants, up to ${spec.parallel} sandboxes at once; graded by ${spec.test} (${setup})`,
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

  registerBattleMerge(battle, ctx);
  registerBattleQueries(battle, ctx);
}

async function drive(
  ctx: CommandContext,
  engine: EngineApi,
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
      if (json) printJson(battleSummary(done));
      process.exitCode = ExitCode.canceled;
      return;
    }
    const results = await loadBattleResults(home, done);
    if (json) printJson(battleResultJson(ctx, done, results));
    else printBattleResults(ctx, done, results);
  } catch (error) {
    progress(
      `corral: ${record.id} interrupted; once fixed, corral battle resume ${record.id} goes on.`,
    );
    throw error;
  } finally {
    board.close();
    for (const s of signals) process.off(s, onSignal);
    await held.release();
  }
}
