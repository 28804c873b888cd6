/**
 * An append-only log of JSON lines (the gateway's `egress.log` and `usage.log`): one
 * record per line, appended in order, flushed on `close()`; `append` resolves once its
 * line is written (for a record someone must see before the agent does). A failing disk
 * never takes the proxy down: the first write error is reported once and later lines are
 * dropped.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface NdjsonLog {
  append(record: unknown): Promise<void>;
  close(): Promise<void>;
}

/** Opens `path` for appending; `null` gives a log that keeps nothing. */
export function openNdjsonLog(path: string | null, onError?: (message: string) => void): NdjsonLog {
  if (path === null) return { append: () => Promise.resolve(), close: () => Promise.resolve() };
  mkdirSync(dirname(path), { recursive: true });
  const stream: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o644 });
  let failed = false;
  stream.on('error', (error) => {
    if (failed) return;
    failed = true;
    onError?.(`cannot write ${path}: ${error.message}`);
  });
  return {
    append: (record) =>
      new Promise<void>((resolve) => {
        if (failed) return resolve();
        // Resolved on error too: the error itself is reported once, above.
        stream.write(`${JSON.stringify(record)}\n`, () => resolve());
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (stream.closed) return resolve();
        stream.end(() => resolve());
      }),
  };
}
