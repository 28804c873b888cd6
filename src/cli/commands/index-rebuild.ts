/**
 * `corral index rebuild`: makes the instance index anew from the state dirs (which stay
 * the truth) and says how many records it holds and which state dirs it skipped, and why.
 */
import type { Command } from 'commander';
import type { CommandContext, JsonOption } from '../context.js';
import { printJson, printLine } from '../output.js';

export function registerIndex(program: Command, ctx: CommandContext): void {
  const index = program
    .command('index')
    .description('the instance index ($CORRAL_HOME/index.sqlite), a cache of the state dirs');
  index
    .command('rebuild')
    .description('make the index anew from the state dirs; say which were skipped and why')
    .option(
      '--json',
      'print one JSON object: { path, indexed, recreated, skipped: [{ id, dir, reason }] }',
    )
    .action(async (o: JsonOption) => {
      const report = await ctx.app().orchestrator.queries.rebuildIndex();
      if (o.json) {
        printJson(report);
        return;
      }
      const s = report.indexed === 1 ? '' : 's';
      printLine(`indexed ${report.indexed} instance${s} in ${report.path}`);
      if (report.skipped.length === 0) return;
      printLine(
        `skipped ${report.skipped.length} state dir${report.skipped.length === 1 ? '' : 's'}:`,
      );
      for (const dir of report.skipped) printLine(`  ${dir.dir}: ${dir.reason}`);
    });
}
