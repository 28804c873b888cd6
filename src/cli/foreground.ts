/**
 * Runs a created instance in this process with the user's terminal: output streams live,
 * Ctrl-C (or SIGTERM from `corral stop`) stops the sandbox and keeps the work, and the end
 * prints a summary (or one JSON object). Shared by `run`, `resume` and `demo`.
 */
import type { App } from '../app.js';
import type { Metadata } from '../state/index.js';
import { exitCodeOf, outcomeJson, summaryLines } from './outcome.js';
import { printJson, progress } from './output.js';
import { renderEvent } from './render-event.js';
import type { CorralEvent } from '../events/index.js';

function renderLive(event: CorralEvent, out: NodeJS.WritableStream): void {
  const line = renderEvent(event);
  if (line !== null) out.write(line + '\n');
}

export async function runInForeground(
  app: App,
  id: string,
  options: { json: boolean; interactive: boolean },
): Promise<{ metadata: Metadata; exitCode: number }> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // In a terminal session Ctrl-C belongs to the agent, not to corral.
    if (options.interactive && signal === 'SIGINT') return;
    interrupts++;
    if (interrupts === 1) {
      progress(`corral: stopping ${id}; its work is kept (bringing it back)…`);
      controller.abort(new Error(signal));
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    // With --json, stdout carries only the result object: the command's output goes to stderr.
    const stdout = options.json ? process.stderr : process.stdout;
    // The shell agent's output is the user's; an agent CLI's protocol is rendered as events.
    const raw = (await app.orchestrator.store.load(id)).agent === 'shell';
    const metadata = await app.orchestrator.supervise(
      id,
      {
        stdout: raw ? stdout : null,
        stderr: raw ? process.stderr : null,
        stdin: !options.interactive && !process.stdin.isTTY ? process.stdin : null,
        onEvent: raw ? undefined : (event) => renderLive(event, stdout),
      },
      controller.signal,
    );
    if (options.json) printJson(outcomeJson(metadata, app.orchestrator.store.paths(id).workspace));
    else for (const line of summaryLines(metadata)) progress(line);
    return { metadata, exitCode: exitCodeOf(metadata) };
  } finally {
    for (const s of signals) process.off(s, onSignal);
    if (!options.interactive && !process.stdin.isTTY) process.stdin.destroy();
  }
}
