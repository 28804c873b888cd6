/**
 * Wakes the engine as soon as a detached command writes: an inotify watch on its
 * `.git/corral-io/<tag>/` directory (new output, the `done` file) instead of waiting out the
 * poll interval. Only a hint: the files are still read the careful way (io-tail.ts), and
 * with no watch (the directory not made yet, a link planted on the way, the host out of
 * watches) the poll goes on as before. The directory is watched only when every part of
 * the path is a real directory, never through a link.
 */
import { watch, type FSWatcher } from 'node:fs';
import { realDirUnder } from './io-tail.js';

export class IoWatch {
  #watcher: FSWatcher | undefined;
  #closed = false;

  constructor(
    private readonly root: string,
    private readonly parts: string[],
    private readonly onChange: () => void,
  ) {}

  get watching(): boolean {
    return this.#watcher !== undefined;
  }

  /** Starts watching if it does not yet (call again until it does; cheap once it does). */
  async ensure(): Promise<void> {
    if (this.#watcher || this.#closed) return;
    const dir = await realDirUnder(this.root, this.parts);
    if (dir === null || this.#closed) return;
    try {
      const watcher = watch(dir, { persistent: false }, () => this.onChange());
      watcher.on('error', () => {
        watcher.close();
        this.#watcher = undefined;
      });
      this.#watcher = watcher;
    } catch {
      // No watch (ENOSPC, the directory gone meanwhile): the poll does the job.
    }
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
  }
}
