/**
 * Instance queries, answered from the index: listing (filtered, sorted) and rebuilding
 * it. Before a list, the index is brought up to date with the state dirs (only the
 * records whose metadata.json changed are read) and the records that say created or
 * running are reconciled as `ls` always did, so the answer is the one the state dirs
 * give. An index that cannot be used (not a database, a read-only home) does not stop
 * `ls`: it lists from a private in-memory index built from the state dirs and says how to
 * repair the file. One from a newer corral is refused (INDEX_TOO_NEW), not worked around.
 */
import { realpath } from 'node:fs/promises';
import { isCorralError } from '../lib/errors.js';
import type { Metadata } from '../state/index.js';
import {
  InstanceIndex,
  isSqliteError,
  type IndexHandle,
  type InstanceQuery,
  type RebuildReport,
} from '../store/index.js';
import { loadSourceRepo } from '../workspace/index.js';
import type { InstanceStore } from './instance-store.js';

export interface IndexRebuild extends RebuildReport {
  /** The index file. */
  path: string;
  /** Whether the file could not be read and was made anew. */
  recreated: boolean;
}

export class InstanceQueries {
  constructor(
    private readonly deps: {
      store: InstanceStore;
      index: IndexHandle;
      log: (line: string) => void;
    },
  ) {}

  /** The records that answer `query`, reconciled, in its order (default: newest first). */
  async list(query: InstanceQuery = {}): Promise<Metadata[]> {
    const { store } = this.deps;
    const { index, isPrivate } = await this.#freshIndex();
    try {
      let changed = false;
      for (const m of index.list({ status: ['created', 'running'] })) {
        if ((await store.reconcile(m)) !== m) changed = true;
      }
      // The store's hook wrote the reconciled records to the shared index; a private one,
      // or a shared one the hook could not write, reads them back from their files.
      if (changed) await index.refresh(store.home);
      return index.list(query);
    } finally {
      if (isPrivate) index.close();
    }
  }

  /** Recreates the index's instances from every readable state dir; reports the rest. */
  async rebuildIndex(): Promise<IndexRebuild> {
    const { index: handle, store } = this.deps;
    try {
      return { path: handle.path, recreated: false, ...(await handle.get().rebuild(store.home)) };
    } catch (error) {
      if (!isSqliteError(error)) throw error;
      this.deps.log(`corral: ${handle.path} cannot be read (${describe(error)}); making it anew.`);
      return {
        path: handle.path,
        recreated: true,
        ...(await handle.recreate().rebuild(store.home)),
      };
    }
  }

  /**
   * What `--repo` names: a path (to the repository or a folder in it) becomes the
   * repository's root as records hold it; anything else is taken as a directory name.
   */
  async resolveRepo(value: string): Promise<string> {
    const path = await realpath(value).catch(() => undefined);
    if (path === undefined) return value;
    return loadSourceRepo(path).then(
      (repo) => repo.root,
      () => path,
    );
  }

  async #freshIndex(): Promise<{ index: InstanceIndex; isPrivate: boolean }> {
    const { index: handle, store } = this.deps;
    try {
      const index = handle.get();
      await index.refresh(store.home);
      return { index, isPrivate: false };
    } catch (error) {
      // An index that cannot be used (a file that is not a database, a read-only home)
      // leaves the state dirs, which give the same answer, only slower.
      if (isCorralError(error)) throw error;
      // Opened anew on next use: the file may be repaired (index rebuild) by then.
      handle.close();
      this.deps.log(
        `corral: the index ${handle.path} cannot be used (${describe(error)}); listing from the state dirs. \`corral index rebuild\` makes it anew.`,
      );
      const index = InstanceIndex.open(':memory:');
      try {
        await index.rebuild(store.home);
      } catch (rebuildError) {
        index.close();
        throw rebuildError;
      }
      return { index, isPrivate: true };
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
