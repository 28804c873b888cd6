/**
 * Reads a file a sandbox is writing (a detached command's stdout or stderr, under the
 * workspace's `.git/corral-io/<tag>/`) from an offset on. The workspace is hostile: every
 * directory on the way is checked not to be a link and the file is opened with O_NOFOLLOW
 * and O_NONBLOCK (a named pipe planted there cannot block the engine); only a regular file
 * is read. A file that is not there yet reads as empty.
 */
import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

const chunkBytes = 256 * 1024;

/** `root/<parts…>` when each part is a real directory (no link on the way), else null. */
export async function realDirUnder(root: string, parts: string[]): Promise<string | null> {
  let dir = root;
  for (const part of parts) {
    dir = join(dir, part);
    const info = await lstat(dir).catch(() => null);
    if (!info?.isDirectory()) return null;
  }
  return dir;
}

/** Opens `root/<parts…>` for reading without following a link anywhere below `root`. */
export async function openUnderNoFollow(root: string, parts: string[]): Promise<FileHandle | null> {
  const dir = await realDirUnder(root, parts.slice(0, -1));
  if (dir === null) return null;
  const handle = await open(
    join(dir, parts[parts.length - 1]!),
    constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
  ).catch(() => null);
  if (!handle) return null;
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    return null;
  }
  return handle;
}

/** Whether `root/<parts…>` is a regular file reached without a link. */
export async function existsUnderNoFollow(root: string, parts: string[]): Promise<boolean> {
  const handle = await openUnderNoFollow(root, parts);
  await handle?.close();
  return handle !== null;
}

export class IoTail {
  #offset: number;

  constructor(
    private readonly root: string,
    private readonly parts: string[],
    offset = 0,
  ) {
    this.#offset = offset;
  }

  get offset(): number {
    return this.#offset;
  }

  /**
   * Hands what was appended since the last read to `onChunk`, up to `maxBytes` (default:
   * all of it) in chunks; returns how many bytes that was. A file cut shorter than what
   * was read (the sandbox truncated it) is read on from its new end.
   */
  async read(onChunk: (chunk: Buffer) => void, maxBytes = Infinity): Promise<number> {
    const handle = await openUnderNoFollow(this.root, this.parts);
    if (!handle) return 0;
    try {
      let size = (await handle.stat()).size;
      if (size < this.#offset) this.#offset = size;
      let total = 0;
      // Nothing new (most reads of a quiet run): no buffer at all. Otherwise each chunk
      // gets a buffer of its own, only as large as what is there, and only what was read
      // of it is handed on.
      while (total < maxBytes && size > this.#offset) {
        const buffer = Buffer.allocUnsafe(
          Math.min(chunkBytes, maxBytes - total, size - this.#offset),
        );
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#offset);
        if (bytesRead === 0) break;
        this.#offset += bytesRead;
        total += bytesRead;
        onChunk(buffer.subarray(0, bytesRead));
        // It may have grown meanwhile: what is there by now is read too.
        if (this.#offset >= size) size = (await handle.stat()).size;
      }
      return total;
    } finally {
      await handle.close();
    }
  }
}
