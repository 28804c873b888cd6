#!/usr/bin/env node
/**
 * The `corral` command table. Each command lives in its own file under commands/; this
 * file only wires them up and turns errors into one line and a documented exit code.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../lib/errors.js';
import { createContext, type CommandContext } from './context.js';
import { reportError } from './output.js';
import { registerRun } from './commands/run.js';
import { registerLs } from './commands/ls.js';
import { registerIndex } from './commands/index-rebuild.js';
import { registerLogs } from './commands/logs.js';
import { registerDiff } from './commands/diff.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerGc } from './commands/gc.js';
import { registerDoctor } from './commands/doctor.js';
import { registerImage } from './commands/image.js';
import { registerDemo } from './commands/demo.js';
import { registerPolicy } from './commands/policy.js';
import { registerPush } from './commands/push.js';
import { registerRequests } from './commands/requests.js';
import { registerEngine } from './commands/engine.js';
import { registerServe } from './commands/serve.js';
import { registerBattle } from './commands/battle.js';
import { registerSetup } from './commands/setup.js';
import { version } from '../lib/version.js';

export function buildProgram(ctx: CommandContext = createContext()): Command {
  const program = new Command('corral')
    .description(
      "Run coding agents in parallel, each fenced in its own sandbox on its own copy of the repository; get each one's work back as a branch.",
    )
    .version(version)
    .enablePositionalOptions()
    .showHelpAfterError('(corral <command> --help shows the options)')
    .exitOverride();
  registerRun(program, ctx);
  registerLs(program, ctx);
  registerIndex(program, ctx);
  registerLogs(program, ctx);
  registerDiff(program, ctx);
  registerPush(program, ctx);
  registerLifecycle(program, ctx);
  registerGc(program, ctx);
  registerDoctor(program, ctx);
  registerImage(program, ctx);
  registerDemo(program, ctx);
  registerPolicy(program, ctx);
  registerRequests(program, ctx);
  registerEngine(program, ctx);
  registerServe(program, ctx);
  registerBattle(program, ctx);
  registerSetup(program, ctx);
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
  const program = buildProgram(ctx);
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
