/** `corral stop`, `corral rm` and `corral resume`: the lifecycle of an existing instance. */
import type { Command } from 'commander';
import { instanceRequestEnv } from '../agent-env.js';
import type { CommandContext } from '../context.js';
import { runInForeground } from '../foreground.js';
import { addBudgetOptions, parseBudgetOptions, type BudgetOptionValues } from '../model-options.js';
import { exitCodeOf, outcomeJson, summaryLines } from '../outcome.js';
import { printJson, printLine, progress } from '../output.js';
import { attachHint, checkTerminalSession, parseTimeout } from '../run-options.js';
import { warnRelaxations } from '../unsafe-options.js';

export function registerLifecycle(program: Command, ctx: CommandContext): void {
  program
    .command('stop')
    .description('stop a running instance; its work is brought back and kept')
    .argument('<id>', 'instance id, unique id prefix, or name')
    .option('--json', 'print one JSON object with the outcome')
    .action(async (ref: string, o: { json?: boolean }) => {
      const m = await (await ctx.engine()).stopInstance(ref);
      if (o.json) printJson(outcomeJson(m, ctx.workspaceOf(m.id)));
      else for (const line of summaryLines(m)) progress(line);
    });

  program
    .command('rm')
    .description(
      'remove ended instances (sandbox, state dir); their branches stay unless --delete-branch',
    )
    .argument('<ids...>', 'instance ids, unique id prefixes, or names')
    .option('-f, --force', 'stop running instances first')
    .option('--delete-branch', 'also delete the corral/<id> branch from the source repository')
    .option('--json', 'print one JSON object: { removed: [...] }')
    .action(
      async (refs: string[], o: { force?: boolean; deleteBranch?: boolean; json?: boolean }) => {
        const engine = await ctx.engine();
        const removed: string[] = [];
        for (const ref of refs)
          removed.push(
            (
              await engine.removeInstance(ref, {
                force: Boolean(o.force),
                deleteBranch: Boolean(o.deleteBranch),
              })
            ).id,
          );
        if (o.json) printJson({ removed });
        else for (const id of removed) printLine(`removed ${id}`);
      },
    );

  const resume = program
    .command('resume')
    .description(
      'run a kept instance again on the same workspace and branch (with a new command, or the same one); its --unsafe-…, --allow-model-api, --model and budget flags, recorded, apply again (a budget given here replaces the recorded one; it counts what earlier runs spent)',
    )
    .argument('<id>', 'instance id, unique id prefix, or name')
    .argument('[command...]', 'the command to run, after -- (default: the previous one)')
    .option('-p, --prompt <task>', "the agent's next task; its conversation continues")
    .option('--timeout <duration>', 'stop after this long (e.g. 30m)')
    .option(
      '-i, --interactive',
      'give the command a real terminal; with -d, one to attach to later (corral attach, the dashboard)',
    )
    .option('-d, --detach', 'return at once')
    .option('--json', 'print one JSON object with the outcome');
  addBudgetOptions(resume).action(
    async (
      ref: string,
      command: string[],
      o: BudgetOptionValues & {
        prompt?: string;
        timeout?: string;
        interactive?: boolean;
        detach?: boolean;
        json?: boolean;
      },
    ) => {
      checkTerminalSession(o);
      // In the foreground a terminal session is this command's terminal (its engine inside
      // it); detached, the engine hosts it for whoever attaches.
      const engine = await ctx.engine({ inline: Boolean(o.interactive) && !o.detach });
      const current = await engine.getInstance(ref);
      const env = await instanceRequestEnv(current);
      const timeoutMs = parseTimeout(o.timeout);
      const budget = parseBudgetOptions(o);
      const m = await engine.resumeInstance(current.id, {
        interactive: Boolean(o.interactive),
        env,
        start: Boolean(o.detach),
        ...(command.length ? { command } : {}),
        ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
        budget,
      });
      warnRelaxations(m);
      progress(`corral: resuming ${m.id} on ${m.backend}, branch ${m.branch}`);
      if (o.detach) {
        if (o.json) printJson({ id: m.id, status: 'running' });
        else printLine(m.id);
        if (o.interactive && !o.json) progress(attachHint(m.id));
        return;
      }
      const r = await runInForeground(engine, m, {
        json: Boolean(o.json),
        interactive: Boolean(o.interactive),
        env,
        workspace: ctx.workspaceOf(m.id),
      });
      process.exitCode = exitCodeOf(r.metadata);
    },
  );
}
