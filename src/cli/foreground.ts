/**
 * Runs a created instance with the user's terminal, through the engine: the command's
 * output (a shell command) or its events rendered (an agent) stream live from the engine,
 * Ctrl-C (or SIGTERM, as from `corral stop`) asks the engine to stop it and keeps the work,
 * and the end prints a summary (or one JSON object) with the documented exit code. The
 * streams are watched before the run starts, so nothing it prints is missed; a stream that
 * drops (the engine was killed) picks up where it was. Shared by `run`, `resume` and `demo`.
 */
import type { EngineApi, RequestEnv } from '../engine/engine-api.js';
import type { Metadata } from '../state/metadata.js';
import { exitCodeOf, outcomeJson, summaryLines } from './outcome.js';
import { printJson, progress } from './output.js';
import { renderEvent } from './render-event.js';

export interface ForegroundOptions {
  json: boolean;
  interactive: boolean;
  /** The credentials the run starts with (they travel with the start request). */
  env: RequestEnv;
  /** Where the instance's workspace is, for the outcome. */
  workspace: string;
  /**
   * A step of a command whose result is something else (`corral setup`): the output and
   * the summary go to stderr, and no outcome object is printed.
   */
  step?: boolean;
}

export async function runInForeground(
  engine: EngineApi,
  created: Metadata,
  options: ForegroundOptions,
): Promise<{ metadata: Metadata; exitCode: number }> {
  const id = created.id;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // In a terminal session Ctrl-C belongs to the agent, not to corral.
    if (options.interactive && signal === 'SIGINT') return;
    interrupts++;
    if (interrupts === 1) {
      progress(`corral: stopping ${id}; its work is kept (bringing it back)…`);
      void engine.stopInstance(id).catch(() => undefined);
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    // With --json, stdout carries only the result object: the command's output goes to stderr.
    const out = options.json || options.step ? process.stderr : process.stdout;
    // The shell agent's output is the user's; an agent CLI's protocol is rendered as events.
    const raw = created.agent === 'shell';
    // Only what this run prints (a resumed instance has older output and events), watched
    // from before it starts: the start is sent once the engine says the watch is live.
    // What the run says for people on the way (an image build, traces); inline, the
    // engine is this command and says it itself.
    const notes = engine.inline ? {} : { onNote: (line: string) => progress(line) };
    let ready!: () => void;
    const live = new Promise<void>((resolve) => (ready = resolve));
    const watching = raw
      ? engine.followOutput(
          id,
          { from: -1, follow: true, onReady: () => ready(), ...notes },
          (chunk) => {
            if (!options.interactive)
              (chunk.stream === 'stderr' ? process.stderr : out).write(chunk.text);
          },
        )
      : engine.followEvents(
          id,
          { after: -1, follow: true, onReady: () => ready(), ...notes },
          (event) => {
            const line = options.interactive ? null : renderEvent(event);
            if (line !== null) out.write(line + '\n');
          },
        );
    await Promise.race([live, watching]);
    await engine.startInstance(id, options.env);
    await watching;
    const metadata = await engine.getInstance(id);
    if (options.json && !options.step) printJson(outcomeJson(metadata, options.workspace));
    else for (const line of summaryLines(metadata)) progress(line);
    return { metadata, exitCode: exitCodeOf(metadata) };
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
