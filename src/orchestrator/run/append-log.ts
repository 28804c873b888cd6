/**
 * `output.log`, appended to in order, knowing its size once its writes are done (what the
 * run cursor records). Opened at a given size, it first cuts the file back to it.
 */
import { open, type FileHandle } from 'node:fs/promises';

export class AppendLog {
  #writing: Promise<void> = Promise.resolve();
  #size: number;

  private constructor(
    private readonly handle: FileHandle,
    size: number,
  ) {
    this.#size = size;
  }

  static async open(path: string, truncateTo?: number): Promise<AppendLog> {
    const handle = await open(path, 'a+');
    if (truncateTo !== undefined) await handle.truncate(truncateTo);
    return new AppendLog(handle, (await handle.stat()).size);
  }

  /** Its size once the writes so far are done. */
  get size(): number {
    return this.#size;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#size += chunk.length;
    this.#writing = this.#writing.then(async () => {
      await this.handle.appendFile(chunk);
    });
  }

  /** The size once every write so far is done. */
  async settle(): Promise<number> {
    await this.#writing;
    return this.#size;
  }

  async close(): Promise<void> {
    await this.#writing.catch(() => undefined);
    await this.handle.close();
  }
}
