/** `corral gc`: remove labelled leftovers nothing references; `--dry-run` lists them. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printJson, printLine } from '../output.js';

export function registerGc(program: Command, ctx: CommandContext): void {
  program
    .command('gc')
    .description(
      'remove sandboxes, instance images, state dirs, workspaces, refs and object caches that nothing references',
    )
    .option('-n, --dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print one JSON object: { dryRun, removed: [...], kept: [...] }')
    .action(async (o: { dryRun?: boolean; json?: boolean }) => {
      const report = await (await ctx.engine()).gc({ dryRun: Boolean(o.dryRun) });
      if (o.json) return printJson(report);
      const verb = o.dryRun ? 'would remove' : 'removed';
      for (const item of report.removed)
        printLine(`${verb} ${item.kind} ${item.target} (${item.reason})`);
      for (const item of report.kept)
        printLine(`kept ${item.kind} ${item.target} (${item.reason})`);
      if (report.removed.length === 0) printLine('nothing to remove');
    });
}
