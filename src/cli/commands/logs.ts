/**
 * `corral logs <id> [-f]` prints an instance's output (`output.log`), following it live
 * with -f until the instance ends; `corral attach <id>` replays and follows a running one
 * (Ctrl-C detaches without stopping it).
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { EventLog } from '../../events/index.js';
import { isEnded } from '../../state/index.js';
import type { App } from '../../app.js';
import { followFile } from '../../orchestrator/index.js';
import type { CommandContext } from '../context.js';
import { outcomeJson } from '../outcome.js';
import { printJson, progress } from '../output.js';

async function follow(
  app: App,
  id: string,
  fromStart: boolean,
  signal?: AbortSignal,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const { store } = app.orchestrator;
  await followFile(
    store.paths(id).output,
    (chunk) => out.write(chunk),
    async () => isEnded((await store.reconcile(await store.load(id))).status),
    { fromStart, signal },
  );
}

export function registerLogs(program: Command, ctx: CommandContext): void {
  program
    .command('logs')
    .description("print an instance's output; -f follows it live until the instance ends")
    .argument('<id>', 'instance id, unique id prefix, or name')
    .option('-f, --follow', 'keep printing new output until the instance ends')
    .option('--json', 'print the events (NDJSON with -f, else one JSON object)')
    .action(async (ref: string, o: { follow?: boolean; json?: boolean }) => {
      const app = ctx.app();
      const m = await app.orchestrator.store.resolve(ref);
      const paths = app.orchestrator.store.paths(m.id);
      if (o.json && !o.follow) {
        const output = await readFile(paths.output, 'utf8').catch(() => '');
        printJson({
          id: m.id,
          status: m.status,
          output,
          events: await new EventLog(paths.events, m.id).load(),
        });
        return;
      }
      if (o.json) {
        let seen = 0;
        const flush = async () => {
          const events = await new EventLog(paths.events, m.id).load();
          for (const e of events.slice(seen)) process.stdout.write(JSON.stringify(e) + '\n');
          seen = events.length;
        };
        for (;;) {
          const ended = isEnded(
            (await app.orchestrator.store.reconcile(await app.orchestrator.store.load(m.id)))
              .status,
          );
          await flush();
          if (ended) return;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      if (!o.follow) {
        process.stdout.write(await readFile(paths.output).catch(() => Buffer.alloc(0)));
        return;
      }
      await follow(app, m.id, true);
    });

  program
    .command('attach')
    .description(
      'follow a running instance live (replays its output first); Ctrl-C detaches, the instance goes on',
    )
    .argument('<id>', 'instance id, unique id prefix, or name')
    .option('--json', 'when it ends (or on detach), print one JSON object with its outcome')
    .action(async (ref: string, o: { json?: boolean }) => {
      const app = ctx.app();
      const m = await app.orchestrator.store.resolve(ref);
      const controller = new AbortController();
      const detach = () => controller.abort();
      process.once('SIGINT', detach);
      try {
        await follow(app, m.id, true, controller.signal, o.json ? process.stderr : process.stdout);
      } finally {
        process.off('SIGINT', detach);
      }
      const now = await app.orchestrator.store.load(m.id);
      if (o.json) printJson(outcomeJson(now, app.orchestrator.store.paths(m.id).workspace));
      if (controller.signal.aborted)
        progress(
          `corral: detached from ${m.id}; it is still ${now.status} (corral stop ${m.id} stops it)`,
        );
      else
        progress(
          `corral: ${m.id} ${now.status}${now.exitCode !== null ? ` (exit ${now.exitCode})` : ''}`,
        );
    });
}
