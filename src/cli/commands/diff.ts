/**
 * `corral diff <id>`: the instance's work against its recorded base, from the engine (after
 * the end, the branch in the source repository; while it runs, computed inside its
 * sandbox: the host runs no git in a live workspace). `--turn`: only what the latest run
 * changed, from the commit it started on (recorded when a resume prepares it).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printJson } from '../output.js';
import { sanitizeTerminalText } from '../../lib/terminal-text.js';

export function registerDiff(program: Command, ctx: CommandContext): void {
  program
    .command('diff')
    .description("show an instance's changes against its recorded base")
    .argument('<id>', 'instance id, unique id prefix, or name')
    .option('--stat', 'a summary of changed files instead of the patch')
    .option(
      '--turn',
      'only what the latest run changed (a resumed instance: since the run before it ended)',
    )
    .option(
      '--json',
      'print one JSON object: { base, files: [{ path, added, deleted }], patch } (base: the commit diffed from)',
    )
    .action(async (ref: string, o: { stat?: boolean; turn?: boolean; json?: boolean }) => {
      const color = !o.json && Boolean(process.stdout.isTTY);
      const result = await (
        await ctx.engine()
      ).diff(ref, {
        stat: Boolean(o.stat),
        color,
        since: o.turn ? 'turn' : 'base',
      });
      if (o.json) printJson(result);
      // The patch is the agent's content: only git's colours reach the terminal.
      else process.stdout.write(sanitizeTerminalText(result.patch));
    });
}
