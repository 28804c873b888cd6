/**
 * Where the lines a piece of work says for people go (progress such as "pushing…", an image
 * build, a warning, `CORRAL_TRACE` timings) when the work runs in the engine rather than in
 * the command that asked for it. The engine runs each request, and each hosted run, inside
 * `withNotes`: every line said during it (in any module, through any await) reaches that
 * request's client, or that run's followers. Outside any of them `currentNotes()` is
 * undefined and the caller's own log applies.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface NoteSink {
  write(line: string): void;
  /** The asker wants phase timings (`CORRAL_TRACE=1` in its environment). */
  trace: boolean;
  /** When the work began (`performance.now()`): its first timing counts from there. */
  startedAt?: number;
}

const storage = new AsyncLocalStorage<NoteSink>();

export function withNotes<T>(sink: NoteSink, work: () => T): T {
  return storage.run(sink, work);
}

export function currentNotes(): NoteSink | undefined {
  return storage.getStore();
}

/** A log that says each line to the current asker, else to `fallback`. */
export function notingLog(fallback: (line: string) => void): (line: string) => void {
  return (line) => {
    const sink = storage.getStore();
    if (sink) sink.write(line);
    else fallback(line);
  };
}
