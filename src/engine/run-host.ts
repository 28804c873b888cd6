/**
 * The runs one engine supervises, side by side in one process: each started or adopted
 * run's supervision and the switch that stops it. Clients watch an instance by its id,
 * before its run starts or while it runs: its events, output and notes (what it says for
 * people: progress, an image build, traces; lib/notes.ts) are handed to them as they
 * happen, and they are told when the run ended. Every event of every hosted run is also
 * handed to the engine-wide listeners (the all-instances stream). Runs are independent:
 * one that fails or hangs holds up no other, and a run's supervision never throws past
 * this host. An engine that serves others (not one inline in a command) hosts the terminal
 * of a terminal session too (terminal-hub.ts), for whoever attaches.
 */
import type { CorralEvent } from '../events/index.js';
import type { Orchestrator, OutputChunk } from '../orchestrator/index.js';
import type { Metadata } from '../state/index.js';
import { currentNotes, withNotes } from '../lib/notes.js';
import { TerminalHub } from './terminal-hub.js';

export interface RunWatcher {
  onEvent?: (event: CorralEvent) => void;
  onOutput?: (chunk: OutputChunk) => void;
  /** The run ended: its final record is written (its sandbox may still be released). */
  onEnd?: () => void;
  /** A line the run says for people (lib/notes.ts). */
  onNote?: (line: string) => void;
}

interface LiveRun {
  readonly stop: AbortController;
  done: Promise<Metadata | Error>;
  /** Flushes its event bus (what listeners got is then in the file too). */
  flush(): Promise<void>;
  /** Its record is final; it is only releasing its sandbox. */
  final: boolean;
  /** The instance's next run, asked for while this one released its sandbox. */
  next?: () => void;
}

export class RunHost {
  readonly #runs = new Map<string, LiveRun>();
  readonly #watchers = new Map<string, Set<RunWatcher>>();
  readonly #engineListeners = new Set<(event: CorralEvent) => void>();
  readonly #idleWaiters = new Set<() => void>();
  readonly #terminals = new Map<string, TerminalHub>();

  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly log: (line: string) => void,
    /** Where a run's notes go besides its watchers (the engine's log). */
    private readonly noteLog: (id: string, line: string) => void = (id, line) =>
      log(`${id}: ${line}`),
    /** Whether terminal sessions get a terminal here (else: this process's own). */
    private readonly hostsTerminals = false,
  ) {}

  get size(): number {
    return this.#runs.size;
  }

  ids(): string[] {
    return [...this.#runs.keys()];
  }

  has(id: string): boolean {
    return this.#runs.has(id);
  }

  /** Resolves when the run of `id` hosted here ended (at once when there is none). */
  async whenDone(id: string): Promise<void> {
    await this.#runs.get(id)?.done;
  }

  /**
   * Resolves once a run of `id` that ended has released its sandbox; at once when none
   * is releasing (a run still going is not waited for).
   */
  async whenReleased(id: string): Promise<void> {
    const run = this.#runs.get(id);
    if (run?.final) await run.done;
  }

  /** The terminal of the terminal session `id` running here, if any. */
  terminal(id: string): TerminalHub | undefined {
    return this.#terminals.get(id);
  }

  /** Writes out what the run of `id` pushed so far. */
  async flush(id: string): Promise<void> {
    await this.#runs.get(id)?.flush();
  }

  /** Every event of every hosted run, live. */
  onEvent(listener: (event: CorralEvent) => void): () => void {
    this.#engineListeners.add(listener);
    return () => this.#engineListeners.delete(listener);
  }

  /** Watches the run of `id`, hosted now or started later. */
  watch(id: string, watcher: RunWatcher): () => void {
    let set = this.#watchers.get(id);
    if (!set) this.#watchers.set(id, (set = new Set()));
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0) this.#watchers.delete(id);
    };
  }

  #each(id: string, call: (watcher: RunWatcher) => void): void {
    for (const watcher of this.#watchers.get(id) ?? []) call(watcher);
  }

  /**
   * Supervises `id` here until it ends: a created (or prepared-to-resume) instance is
   * started with the credentials in `env`; with `adopt`, a run whose supervisor died goes on.
   */
  start(id: string, env: NodeJS.ProcessEnv, options: { adopt?: boolean } = {}): void {
    const hosted = this.#runs.get(id);
    if (hosted) {
      // One that ended and is releasing its sandbox: the next run starts once it is gone.
      if (hosted.final) hosted.next = () => this.start(id, env, options);
      return;
    }
    let flush: () => Promise<void> = () => Promise.resolve();
    const run: LiveRun = {
      stop: new AbortController(),
      done: Promise.resolve(new Error('not started')),
      flush: () => flush(),
      final: false,
    };
    this.#runs.set(id, run);
    // Its watchers are told it ended once its record is final, not after the release.
    const ended = () => {
      if (run.final) return;
      run.final = true;
      this.#each(id, (w) => w.onEnd?.());
    };
    // What the run says goes to whoever follows it (and the engine's log), traced when the
    // command that started it asked for traces.
    const notes = {
      trace: currentNotes()?.trace ?? false,
      startedAt: performance.now(),
      write: (line: string) => {
        this.noteLog(id, line);
        this.#each(id, (w) => w.onNote?.(line));
      },
    };
    run.done = withNotes(notes, () =>
      this.orchestrator.supervise(
        id,
        { stdout: null, stderr: null, stdin: null },
        run.stop.signal,
        {
          env,
          ...(options.adopt ? { adopt: true } : {}),
          onBus: (bus) => {
            flush = () => bus.flush();
            bus.subscribe((event) => {
              this.#each(id, (w) => w.onEvent?.(event));
              for (const listener of this.#engineListeners) listener(event);
            });
          },
          onOutput: (chunk) => this.#each(id, (w) => w.onOutput?.(chunk)),
          onFinal: ended,
          ...(this.hostsTerminals
            ? {
                openTerminal: () => {
                  const hub = new TerminalHub();
                  this.#terminals.set(id, hub);
                  return hub;
                },
              }
            : {}),
        },
      ),
    )
      .catch((error: unknown) => {
        const err = error instanceof Error ? error : new Error(String(error));
        this.log(`${id}: ${err.message}`);
        return err;
      })
      .finally(() => {
        this.#terminals.get(id)?.end();
        this.#terminals.delete(id);
        ended();
        this.#runs.delete(id);
        run.next?.();
        if (this.#runs.size === 0) for (const resolve of this.#idleWaiters) resolve();
      });
  }

  /** Stops a hosted run gracefully (its work is brought back); undefined when not hosted. */
  stop(id: string): Promise<Metadata | Error> | undefined {
    const run = this.#runs.get(id);
    if (!run) return undefined;
    run.stop.abort(new Error('stop'));
    return run.done;
  }

  /** Resolves when no run is hosted. */
  whenIdle(): Promise<void> {
    if (this.#runs.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#idleWaiters.delete(done);
        resolve();
      };
      this.#idleWaiters.add(done);
    });
  }
}
