/**
 * Follows a fenced instance's gateway logs (egress.log and usage.log in its state dir,
 * appended to by the gateway container through file mounts) and turns each new line into
 * an event: `egress` for a connection the proxy allowed or denied, `gateway.usage` for a
 * model call it metered, `gateway.denied` for one it refused. Following starts at the files' current ends, so a resumed
 * instance does not replay earlier runs; the files are polled while the instance runs and
 * read to the end on `close()`. A line that does not parse, or is longer than 64 KiB, is
 * skipped: nothing in these files is ever executed.
 */
import { open } from 'node:fs/promises';
import { DenialLine, EgressLine, UsageLine, type NewEvent } from '../events/index.js';
import type { InstancePaths } from '../state/index.js';

const maxLineBytes = 64 * 1024;
const pollMs = 250;

/** One appended-to file, read from an offset on; a partial last line waits for its end. */
class FileTail {
  private offset = 0;
  private partial = '';

  constructor(
    readonly path: string,
    private readonly onLine: (line: string) => void,
  ) {}

  async seekToEnd(): Promise<void> {
    this.offset = await sizeOf(this.path);
  }

  async read(): Promise<void> {
    const handle = await open(this.path, 'r').catch(() => null);
    if (!handle) return;
    try {
      const buffer = Buffer.alloc(256 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) return;
        this.offset += bytesRead;
        this.take(buffer.subarray(0, bytesRead).toString('utf8'));
      }
    } finally {
      await handle.close();
    }
  }

  private take(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    // A line that never ends is dropped rather than grown without bound.
    if (this.partial.length > maxLineBytes) this.partial = '';
    for (const line of lines) if (line && line.length <= maxLineBytes) this.onLine(line);
  }
}

async function sizeOf(path: string): Promise<number> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return 0;
  try {
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/** The event of one egress.log line, or null when it is not a record. */
export function egressEvent(id: string, line: string): NewEvent | null {
  const r = EgressLine.safeParse(parse(line));
  return r.success ? { id, type: 'egress', ...r.data } : null;
}

/** The event of one usage.log line (a metered call, or a refused one), or null when it is neither. */
export function usageEvent(id: string, line: string): NewEvent | null {
  const value = parse(line);
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { denied?: unknown }).denied === true
  ) {
    const d = DenialLine.safeParse(value);
    return d.success ? { id, type: 'gateway.denied', ...d.data } : null;
  }
  const r = UsageLine.safeParse(value);
  return r.success ? { id, type: 'gateway.usage', ...r.data } : null;
}

export interface GatewayLogFollower {
  /** Reads what has been written so far (a refusal the gateway logged before answering). */
  catchUp(): Promise<void>;
  /** Reads what is left and stops following. */
  close(): Promise<void>;
}

/** Starts following an instance's gateway logs, handing each new event to `emit`. */
export async function followGatewayLogs(
  id: string,
  paths: Pick<InstancePaths, 'egressLog' | 'usageLog'>,
  emit: (event: NewEvent) => void,
): Promise<GatewayLogFollower> {
  const add = (toEvent: (id: string, line: string) => NewEvent | null) => (line: string) => {
    const event = toEvent(id, line);
    if (event) emit(event);
  };
  const tails = [
    new FileTail(paths.egressLog, add(egressEvent)),
    new FileTail(paths.usageLog, add(usageEvent)),
  ];
  for (const tail of tails) await tail.seekToEnd();
  let reading: Promise<void> = Promise.resolve();
  const readAll = () => {
    // One read at a time; a failed read (the file replaced) is retried by the next poll.
    reading = reading
      .then(() => Promise.all(tails.map((t) => t.read())))
      .then(
        () => undefined,
        () => undefined,
      );
    return reading;
  };
  const timer = setInterval(() => void readAll(), pollMs);
  return {
    catchUp: () => readAll(),
    async close() {
      clearInterval(timer);
      await readAll();
    },
  };
}
