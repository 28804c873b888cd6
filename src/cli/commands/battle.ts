/**
 * `corral battle`: several agents on one task from one base, each graded in a fresh sandbox
 * by the repository's own tests, ranked; and `battle resume`, which goes on with one (merge
 * is battle-merge.ts; ls, show and stats are battle-queries.ts). The engine drives the
 * battle and supervises its sandboxes; this command watches it (the board) and prints the
 * ranking. Ctrl-C stops the contestants (their work is kept) and `battle resume` finishes;
 * a killed command leaves the battle going on in the engine (`battle resume` watches it).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { EngineApi, RequestEnv } from '../../engine/engine-api.js';
import type { CorralEvent } from '../../events/index.js';
import { ExitCode } from '../../lib/errors.js';
import type { BattleRecord } from '../../orchestrator/battles/battle-record.js';
import { loadBattleResults } from '../../orchestrator/battles/battle-results.js';
import { agentRequestEnv } from '../agent-env.js';
import { pickSetupEnv } from '../../orchestrator/run/setup-env.js';
import { BattleBoard } from '../battle-board.js';
import { errorFromBody } from '../engine-client.js';
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

type BattleStatusEvent = Extract<CorralEvent, { type: 'battle.status' }>;

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
      "prepares each contestant's sandbox before its agent and each grading sandbox before the tests (default: .corral/setup.sh, or from a lockfile: npm ci…)",
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
      '--hidden-tests <dir|ref>',
      "tests no contestant sees, laid over each tree only when grading: a directory (its files at the same paths from the repository's root) or a ref (e.g. hidden-tests, or main:tests/hidden)",
    )
    .option(
      '--timeout <duration>',
      "each contestant's time (e.g. 20m): then it is stopped, its work kept and graded",
    )
    .option(
      '--budget-time <duration>',
      'the same as --timeout (with --budget-tokens, --budget-usd)',
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
      "a host the setup alone may reach (repeatable), in the contestants' and the grading sandboxes; closed before the agent or the tests start",
      collect,
      [],
    )
    .option(
      '--setup-env <name>',
      "a variable of this environment the setup alone gets, e.g. NPM_TOKEN (repeatable): never an agent's or the tests', its value never recorded, redacted from what the runs write (README: Setup secrets)",
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
  corral battle -f battle.yml --setup-env NPM_TOKEN --setup-allow-host registry.npmjs.org
  corral battle ls
  corral battle show battle-x7k2p

Each contestant works in its own sandbox on a copy of your tree (with its uncommitted
changes) that holds nothing of the others. Each result is then graded in a fresh sandbox:
the base's test files restored (host-side, before the sandbox starts), the setup run (its
--setup-allow-host hosts and --setup-env variables are its own, gone before the tests
start), the test command run, its results read per test. The base is graded too, so the
tests that must start passing (and those that must keep passing) are known without naming
them.

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
    const record = await engine.startBattle({
      repoDir: resolve(o.repo ?? process.cwd()),
      spec,
      backend,
      limits,
      env: await battleEnv(spec.contestants, spec.setupEnv),
    });
    const setup = record.spec.setup === null ? 'no setup' : `setup: ${record.spec.setup}`;
    progress(
      `corral: ${record.id}: ${record.contestants.length} contestants, up to ${spec.parallel} sandboxes at once; graded by ${spec.test} (${setup})`,
    );
    await follow(ctx, engine, record, Boolean(o.json));
  });

  battle
    .command('resume')
    .description('go on with a battle that was interrupted (Ctrl-C) or whose command was killed')
    .argument('<battle>', 'the battle id')
    .option('--json', 'print one JSON object with the battle and its ranking')
    .action(async (id: string, o: { json?: boolean }) => {
      const engine = await ctx.engine();
      const record = await engine.getBattle(id);
      const env = await battleEnv(record.contestants, record.spec.setupEnv);
      await follow(ctx, engine, await engine.resumeBattle(id, env), Boolean(o.json));
    });

  registerBattleMerge(battle, ctx);
  registerBattleQueries(battle, ctx);
}

/**
 * Follows a battle the engine drives, drawing the board, to its end: the ranked results,
 * or, interrupted, the way on. Ctrl-C asks the engine to stop it (the contestants' work is
 * kept); a killed command leaves it driven by the engine (`battle resume` watches again).
 */
async function follow(
  ctx: CommandContext,
  engine: EngineApi,
  record: BattleRecord,
  json: boolean,
): Promise<void> {
  const home = ctx.home();
  const controller = new AbortController();
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    progress(`corral: stopping ${record.id}; the contestants' work is kept…`);
    // The stream ends once the engine stopped it; if the engine cannot be asked, stop following.
    engine.stopBattle(record.id).catch(() => controller.abort());
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  const board = new BattleBoard();
  board.update(record);
  const refresh = latestOnly(async () => board.update(await engine.getBattle(record.id)));
  // What the last status event said: the error that interrupted it, if one did.
  const last: { error: BattleStatusEvent['error'] } = { error: null };
  try {
    await engine.followBattle(
      record.id,
      { after: 0, follow: true, signal: controller.signal },
      (event) => {
        if (event.type === 'battle.status') last.error = event.error;
        refresh();
      },
    );
    await refresh.settled();
    const done = await engine.getBattle(record.id);
    board.update(done);
    board.close();
    if (done.status === 'graded') {
      const results = await loadBattleResults(home, done);
      if (json) printJson(battleResultJson(ctx, done, results));
      else printBattleResults(ctx, done, results);
      return;
    }
    const cause = last.error;
    if (cause && !stopping) {
      progress(
        `corral: ${done.id} interrupted; once fixed, corral battle resume ${done.id} goes on.`,
      );
      throw errorFromBody(500, { error: cause });
    }
    progress(`corral: ${done.id} interrupted; corral battle resume ${done.id} goes on.`);
    if (json) printJson(battleSummary(done));
    process.exitCode = ExitCode.canceled;
  } finally {
    board.close();
    for (const s of signals) process.off(s, onSignal);
  }
}

/**
 * The credentials and endpoints every contestant's agent names, and the setup's variables
 * (`--setup-env`), from this environment; a setup variable missing here is a one-line error.
 */
async function battleEnv(
  contestants: ReadonlyArray<{ agent: string }>,
  setupEnv: readonly string[],
): Promise<RequestEnv> {
  const secrets = pickSetupEnv(setupEnv, process.env);
  return { ...(await agentRequestEnv(['shell', ...contestants.map((c) => c.agent)])), ...secrets };
}

/**
 * Runs `work` when called, one at a time: calls while it runs fold into one more run
 * after it (a board redrawn from the newest record, not once per event).
 */
function latestOnly(work: () => Promise<void>): (() => void) & { settled(): Promise<void> } {
  let running: Promise<void> | null = null;
  let again = false;
  const call = () => {
    if (running) {
      again = true;
      return;
    }
    running = work()
      .catch(() => undefined)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          call();
        }
      });
  };
  return Object.assign(call, {
    async settled() {
      while (running) await running;
    },
  });
}
