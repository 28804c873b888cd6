/**
 * `corral battle merge <battle> [<contestant>]`: the winner (or the one named) into the
 * branch the battle started from, the others archived or pruned (merge-battle.ts says how),
 * or with `--pr` pushed and proposed as a GitHub pull request whose body is its grade;
 * the engine does it (a battle it drives now is refused) and records it in the battle's record.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printJson, printLine, usage } from '../output.js';
import { pushEnv } from './push.js';

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
    .option(
      '--pr',
      'instead of merging here: push the branch (host-side) and open a GitHub pull request whose body is its grade',
    )
    .option('--remote <remote>', 'with --pr: where to push (a remote, a URL)', 'origin')
    .option('--base <branch>', 'with --pr: the base (default: the branch the battle started from)')
    .option('--json', 'print one JSON object with what was merged and where the others went')
    .addHelpText(
      'after',
      `
A battle from a clean tree fast-forwards its branch when it has not moved (or merges, when
it is checked out); one from uncommitted changes gets the contestant's change applied to
your tree, uncommitted. Either way it refuses, changing nothing, when your tree would
conflict. The others go to corral/archive/<battle>/<name> (or away with --prune).

With --pr nothing is merged here: the branch is pushed with a credential obtained just
before (as corral push does: CORRAL_GIT_TOKEN, GITHUB_TOKEN/GH_TOKEN, a GitHub App) and a
pull request is opened into the battle's start branch, its body the grade and the ranking.`,
    )
    .action(
      async (
        id: string,
        name: string | undefined,
        o: { prune?: boolean; pr?: boolean; remote: string; base?: string; json?: boolean },
      ) => {
        const engine = await ctx.engine();
        const chosen = name !== undefined ? { contestant: name } : {};
        if (o.pr) {
          if (o.prune) throw usage('--prune merges nothing with --pr.', 'Drop one of them.');
          const r = await engine.proposeBattle(id, {
            ...chosen,
            remote: o.remote,
            cwd: process.cwd(),
            env: pushEnv(),
            ...(o.base ? { base: o.base } : {}),
          });
          if (o.json) return printJson(r);
          printLine(
            `${r.contestant}: pushed ${r.branch} (${r.commit.slice(0, 12)}) to ${r.remote}`,
          );
          if (r.pullRequest)
            printLine(
              `pull request #${r.pullRequest.number}${r.pullRequest.existing ? ' (already open)' : ''}: ${r.pullRequest.url}`,
            );
          return;
        }
        if (o.base) throw usage('--base only applies with --pr.');
        const merged = await engine.mergeBattle(id, { prune: Boolean(o.prune), ...chosen });
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
