/**
 * `corral logs <id> [-f]` shows what an instance did: for an agent, its events rendered
 * for people (a tool call a line, with its file or command); for the shell agent or a
 * terminal session, its output as it was. `--json` gives the events; `-f` follows live
 * until the instance ends (with `--json`, as NDJSON). `corral attach <id>` replays and
 * follows a running instance (Ctrl-C detaches without stopping it), or, for a terminal
 * session its engine hosts (`run -i -d`), puts this terminal into it (terminal-client.ts).
 * Everything comes from the engine's streams, live as it happens, never by polling a file
 * here.
 */
import type { Command } from 'commander';
import type { EngineApi } from '../../engine/engine-api.js';
import type { CorralEvent } from '../../events/events.js';
import { describeStatus, type Metadata } from '../../state/metadata.js';
import { getEngineFiles } from '../../engine/engine-files.js';
import type { CommandContext } from '../context.js';
import { outcomeJson } from '../outcome.js';
import { printJson, progress } from '../output.js';
import { renderEvent } from '../render-event.js';

export type View = 'raw' | 'events' | 'ndjson';

export function defaultView(m: Metadata): View {
  return m.agent === 'shell' || m.interactive ? 'raw' : 'events';
}

/** Prints an instance's output or events, from the start, following until it ends when asked. */
export async function showInstanceLogs(
  engine: EngineApi,
  m: Metadata,
  view: View,
  options: { follow: boolean; signal?: AbortSignal; out?: NodeJS.WritableStream },
): Promise<void> {
  const out = options.out ?? process.stdout;
  const follow = { follow: options.follow, ...(options.signal ? { signal: options.signal } : {}) };
  if (view === 'raw') {
    await engine.followOutput(m.id, { from: 0, ...follow }, (chunk) => {
      out.write(chunk.text);
    });
    return;
  }
  await engine.followEvents(m.id, { after: 0, ...follow }, (event: CorralEvent) => {
    if (view === 'ndjson') out.write(JSON.stringify(event) + '\n');
    else {
      const line = renderEvent(event);
      if (line !== null) out.write(line + '\n');
    }
  });
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
      const engine = await ctx.engine();
      const m = await engine.getInstance(ref);
      if (o.json && !o.follow) {
        const events: CorralEvent[] = [];
        await engine.followEvents(m.id, { after: 0, follow: false }, (e) => events.push(e));
        printJson({ id: m.id, status: m.status, events });
        return;
      }
      const view: View = o.json ? 'ndjson' : o.raw ? 'raw' : defaultView(m);
      await showInstanceLogs(engine, m, view, { follow: Boolean(o.follow) });
    });

  program
    .command('attach')
    .description(
      'follow a running instance live (replays what it did first); Ctrl-C detaches, the instance goes on. A terminal session (run -i -d): this terminal into it, Ctrl-] lets go',
    )
    .argument('<id>', 'instance id, unique id prefix, or name')
    .option('--json', 'when it ends (or on detach), print one JSON object with its outcome')
    .addHelpText(
      'after',
      `
A terminal session the engine hosts (corral run -i -d) is shared: the dashboard's page
and every corral attach see one screen and may type.

Exit code: 0 (the instance ended, or you detached); a terminal session that ended: its
command's own, as corral run's; 3 no such instance.`,
    )
    .action(async (ref: string, o: { json?: boolean }) => {
      const engine = await ctx.engine();
      const m = await engine.getInstance(ref);
      if (m.interactive && m.status === 'running' && !o.json && process.stdin.isTTY) {
        // Loaded here, not at every command's start-up (it brings the WebSocket client).
        const { attachTerminalSession } = await import('../terminal-client.js');
        const socket = getEngineFiles(ctx.home()).socket;
        if (await attachTerminalSession(engine, m, socket)) return;
      }
      const controller = new AbortController();
      const detach = () => controller.abort();
      process.once('SIGINT', detach);
      try {
        await showInstanceLogs(engine, m, defaultView(m), {
          follow: true,
          signal: controller.signal,
          out: o.json ? process.stderr : process.stdout,
        });
      } finally {
        process.off('SIGINT', detach);
      }
      const now = await engine.getInstance(m.id);
      if (o.json) printJson(outcomeJson(now, ctx.workspaceOf(m.id)));
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
