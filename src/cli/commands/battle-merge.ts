/**
 * `corral battle merge <battle> [<contestant>]`: the winner (or the one named) into the
 * branch the battle started from, the others archived or pruned (merge-battle.ts says how);
 * the engine does it (a battle it drives now is refused) and records it in the battle's record.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printJson, printLine } from '../output.js';

export function registerBattleMerge(battle: Command, ctx: CommandContext): void {
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
        const merged = await (
          await ctx.engine()
        ).mergeBattle(id, {
          prune: Boolean(o.prune),
          ...(name !== undefined ? { contestant: name } : {}),
        });
        if (o.json) return printJson(merged);
        const how = {
          'fast-forward': 'fast-forwarded',
          merge: 'merged',
          'applied-to-tree': 'applied to your tree (uncommitted)',
        }[merged.how];
        printLine(`${merged.contestant}: ${merged.branch} ${how} into ${merged.into}`);
        for (const other of merged.others)
          printLine(`  ${other.name}: ${other.to === null ? 'deleted' : `→ ${other.to}`}`);
      },
    );
}
