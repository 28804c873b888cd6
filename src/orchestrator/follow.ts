/**
 * Follows a growing file (output.log) like `tail -f`, until `isDone` says the writer has
 * finished and everything it wrote has been read. Polling keeps it simple and portable;
 * 100 ms is well under what a person notices.
 */
import { open } from 'node:fs/promises';

export async function followFile(
  path: string,
  onChunk: (chunk: Buffer) => void,
  isDone: () => Promise<boolean>,
  options: { fromStart?: boolean; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  let position = 0;
  const handle = await open(path, 'a+');
  try {
    if (!options.fromStart) position = (await handle.stat()).size;
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      if (options.signal?.aborted) return;
      const done = await isDone();
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        onChunk(Buffer.from(buffer.subarray(0, bytesRead)));
      }
      if (done) return;
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
    }
  } finally {
    await handle.close();
  }
}
