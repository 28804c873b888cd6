#!/usr/bin/env node
/**
 * The `corral` command table. Each command lives in its own file under commands/; this
 * file only wires them up and turns errors into one line and a documented exit code.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../lib/errors.js';
import { createContext, type CommandContext } from './context.js';
import { reportError } from './output.js';
import { version } from '../lib/version.js';

type Register = (program: Command, ctx: CommandContext) => void;

/**
 * The commands, in the order help lists them, each with the module that defines it: a
 * command loads only its own (the others' modules are ~50 ms of start-up it does not need).
 */
const commandTable: Array<[names: string[], load: () => Promise<Register>]> = [
  [['run'], () => import('./commands/run.js').then((m) => m.registerRun)],
  [['ls'], () => import('./commands/ls.js').then((m) => m.registerLs)],
  [['index'], () => import('./commands/index-rebuild.js').then((m) => m.registerIndex)],
  [['logs', 'attach'], () => import('./commands/logs.js').then((m) => m.registerLogs)],
  [['diff'], () => import('./commands/diff.js').then((m) => m.registerDiff)],
  [['push'], () => import('./commands/push.js').then((m) => m.registerPush)],
  [
    ['stop', 'rm', 'resume'],
    () => import('./commands/lifecycle.js').then((m) => m.registerLifecycle),
  ],
  [['gc'], () => import('./commands/gc.js').then((m) => m.registerGc)],
  [['doctor'], () => import('./commands/doctor.js').then((m) => m.registerDoctor)],
  [['image'], () => import('./commands/image.js').then((m) => m.registerImage)],
  [['demo'], () => import('./commands/demo.js').then((m) => m.registerDemo)],
  [['policy', 'allow', 'deny'], () => import('./commands/policy.js').then((m) => m.registerPolicy)],
  [
    ['requests', 'approve', 'reject'],
    () => import('./commands/requests.js').then((m) => m.registerRequests),
  ],
  [['engine'], () => import('./commands/engine.js').then((m) => m.registerEngine)],
  [['serve'], () => import('./commands/serve.js').then((m) => m.registerServe)],
  [['battle'], () => import('./commands/battle.js').then((m) => m.registerBattle)],
  [['setup'], () => import('./commands/setup.js').then((m) => m.registerSetup)],
];

/** The program with the command `argv` names, or every command (help, a typo, none). */
export async function buildProgram(
  ctx: CommandContext = createContext(),
  argv: string[] = [],
): Promise<Command> {
  const program = new Command('corral')
    .description(
      "Run coding agents in parallel, each fenced in its own sandbox on its own copy of the repository; get each one's work back as a branch.",
    )
    .version(version)
    .enablePositionalOptions()
    .showHelpAfterError('(corral <command> --help shows the options)')
    .exitOverride();
  const named = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const only = commandTable.find(([names]) => named !== undefined && names.includes(named));
  for (const [, load] of only ? [only] : commandTable) (await load())(program, ctx);
  program.addHelpText(
    'after',
    `
State lives in $CORRAL_HOME (default ~/.corral). Exit codes: 0 ok, 1 a setup script failed verification, 2 usage, 3 no such
instance, request or battle (or no setup script), 4 bad repository or ref, 5 no backend or image, 6 disk or bring-back
failure, 7 wrong state (running/ended, request already answered, index from a newer corral, a battle driven elsewhere, a merge refused, a different setup script in the tree), 8 refused
by the remote (push rejected, authentication, unreachable, GitHub API), 9 budget exceeded (run, resume),
70 internal error; run passes the command's code through.`,
  );
  return program;
}

async function main(argv: string[]): Promise<void> {
  const ctx = createContext();
  const program = await buildProgram(ctx, argv);
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : ExitCode.usage;
      return;
    }
    process.exitCode = reportError(error, json);
  } finally {
    ctx.close();
  }
}

// `corral logs x | head` closes the pipe early: that is not an error worth a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

await main(process.argv);
