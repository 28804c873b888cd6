/**
 * `corral __supervise <id>` (hidden): the background process behind `run --detach` and
 * `resume --detach`. It runs the instance to its end; SIGTERM (from `corral stop`) stops
 * the sandbox gracefully and keeps the work.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export function registerSupervise(program: Command, ctx: CommandContext): void {
  program
    .command('__supervise', { hidden: true })
    .argument('<id>')
    .action(async (id: string) => {
      const app = ctx.app();
      const controller = new AbortController();
      for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
        process.on(s, () => controller.abort(new Error(s)));
      await app.orchestrator.supervise(
        id,
        { stdout: null, stderr: null, stdin: null },
        controller.signal,
      );
    });
}
