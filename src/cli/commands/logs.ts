/**
 * `corral logs <id> [-f]` shows what an instance did: for an agent, its events rendered
 * for people (a tool call a line, with its file or command); for the shell agent or a
 * terminal session, its output as it was. `--json` gives the raw events; `-f` follows live
 * until the instance ends. `corral attach <id>` replays and follows a running instance
 * (Ctrl-C detaches without stopping it).
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import { LineSplitter, parseEventLine, EventLog } from '../../events/index.js';
import { followFile } from '../../orchestrator/index.js';
import { describeStatus, isEnded, type Metadata } from '../../state/index.js';
import type { CommandContext } from '../context.js';
import { outcomeJson } from '../outcome.js';
import { printJson, progress } from '../output.js';
import { renderEvent } from '../render-event.js';
import { TerminalByteFilter } from '../../lib/terminal-text.js';

type View = 'raw' | 'events' | 'ndjson';

function defaultView(m: Metadata): View {
  return m.agent === 'shell' || m.interactive ? 'raw' : 'events';
}

/** Prints an instance's output or events, from the start, following until it ends when asked. */
async function show(
  app: App,
  m: Metadata,
  view: View,
  options: { follow: boolean; signal?: AbortSignal; out?: NodeJS.WritableStream },
): Promise<void> {
  const { store } = app.orchestrator;
  const out = options.out ?? process.stdout;
  const paths = store.paths(m.id);
  const raw = new TerminalByteFilter();
  const splitter = new LineSplitter(({ text }) => {
    if (!text) return;
    const event = parseEventLine(text, m.id);
    if (view === 'ndjson') out.write(JSON.stringify(event) + '\n');
    else {
      const line = renderEvent(event);
      if (line !== null) out.write(line + '\n');
    }
  });
  await followFile(
    view === 'raw' ? paths.output : paths.events,
    (chunk) => (view === 'raw' ? out.write(raw.push(chunk)) : splitter.push(chunk)),
    async () => !options.follow || isEnded((await store.reconcile(await store.load(m.id))).status),
    { fromStart: true, signal: options.signal },
  );
  splitter.end();
  out.write(raw.end());
}

export function registerLogs(program: Command, ctx: CommandContext): void {
  program
    .command('logs')
    .description(
      "show what an instance did (an agent's events, or a command's output); -f follows it live",
    )
    .argument('<id>', 'instance id, unique id prefix, or name')
    .option('-f, --follow', 'keep printing until the instance ends')
    .option('--raw', "the agent's raw output (output.log) instead of its events")
    .option('--json', 'the events as JSON: one object ({ id, status, events }), or NDJSON with -f')
    .action(async (ref: string, o: { follow?: boolean; raw?: boolean; json?: boolean }) => {
      const app = ctx.app();
      const m = await app.orchestrator.store.resolve(ref);
      if (o.json && !o.follow) {
        const events = await new EventLog(app.orchestrator.store.paths(m.id).events, m.id).load();
        printJson({ id: m.id, status: m.status, events });
        return;
      }
      const view: View = o.json ? 'ndjson' : o.raw ? 'raw' : defaultView(m);
      await show(app, m, view, { follow: Boolean(o.follow) });
    });

  program
    .command('attach')
    .description(
      'follow a running instance live (replays what it did first); Ctrl-C detaches, the instance goes on',
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
        await show(app, m, defaultView(m), {
          follow: true,
          signal: controller.signal,
          out: o.json ? process.stderr : process.stdout,
        });
      } finally {
        process.off('SIGINT', detach);
      }
      const now = await app.orchestrator.store.load(m.id);
      if (o.json) printJson(outcomeJson(now, app.orchestrator.store.paths(m.id).workspace));
      if (controller.signal.aborted) {
        progress(
          `corral: detached from ${m.id}; it is still ${describeStatus(now.status)} (corral stop ${m.id} stops it)`,
        );
      } else {
        progress(
          `corral: ${m.id} ${now.status}${now.exitCode !== null ? ` (exit ${now.exitCode})` : ''}`,
        );
      }
    });
}
