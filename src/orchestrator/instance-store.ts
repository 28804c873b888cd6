/**
 * Reads and writes instance records in the state dirs (the truth), finds an instance by
 * id, unique id prefix or name, and reconciles: a record that says running while its
 * supervisor process is gone, and that has no detached run an engine could take up,
 * becomes `lost`. It is the one place records are written and state dirs removed, so its
 * hooks are where a cache of them (the index) is kept current; a hook that fails is logged
 * and never fails the write, which stands.
 *
 * A change of a record is read, checked and written under that instance's lock (one per
 * instance, across processes: lib/lock.ts), so two changes at once never undo each other,
 * and its status moves only as the state machine allows (state/status-machine.ts).
 */
import { rm } from 'node:fs/promises';
import { CorralError } from '../lib/errors.js';
import { acquireLock } from '../lib/lock.js';
import {
  checkStatusChange,
  getInstancePaths,
  getRecordLockPath,
  isSupervisorAlive,
  listInstanceIds,
  loadMetadata,
  saveMetadata,
  type Metadata,
} from '../state/index.js';

export interface InstanceStoreHooks {
  /** After a record is written; `stamp` names the metadata.json as written (see fileStamp). */
  onSaved?(metadata: Metadata, stamp: string): void | Promise<void>;
  /** After a state dir is removed. */
  onRemoved?(id: string): void | Promise<void>;
  /** Where the first failure of a hook is reported (later ones say nothing new). */
  log?(line: string): void;
}

/** How long a record may wait, created, for its supervisor to take it up. */
const startGraceMs = 60_000;

/** A record that says running or starting with nobody left to run it. */
function isOrphaned(m: Metadata): boolean {
  if (m.status !== 'running' && m.status !== 'created') return false;
  if (m.supervisor && isSupervisorAlive(m.supervisor)) return false;
  // A detached run goes on without its supervisor: the engine takes it up (or finds its
  // sandbox gone and says it is lost).
  if (m.run) return false;
  const prepared = Date.parse(m.preparedAt ?? m.createdAt);
  return !(m.status === 'created' && Date.now() - prepared < startGraceMs);
}

export class InstanceStore {
  #hookFailed = false;

  constructor(
    readonly home: string,
    private readonly hooks: InstanceStoreHooks = {},
  ) {}

  paths(id: string) {
    return getInstancePaths(this.home, id);
  }

  async load(id: string): Promise<Metadata> {
    return loadMetadata(this.paths(id).metadata);
  }

  async save(metadata: Metadata): Promise<void> {
    const stamp = await saveMetadata(this.paths(metadata.id).metadata, metadata);
    await this.#afterWrite(metadata.id, () => this.hooks.onSaved?.(metadata, stamp));
  }

  /** Removes an instance's state dir, whole. */
  async remove(id: string): Promise<void> {
    await rm(this.paths(id).dir, { recursive: true, force: true });
    await this.#afterWrite(id, () => this.hooks.onRemoved?.(id));
  }

  async #afterWrite(id: string, hook: () => void | Promise<void>): Promise<void> {
    try {
      await hook();
    } catch (error) {
      if (this.#hookFailed) return;
      this.#hookFailed = true;
      const why = error instanceof Error ? error.message : String(error);
      this.hooks.log?.(
        `corral: the index was not updated for ${id} (${why}); the record is saved, and the next \`corral ls\` catches up.`,
      );
    }
  }

  /** Applies `change` to the record as it is now, under its lock. */
  async update(id: string, change: Partial<Metadata>): Promise<Metadata> {
    return this.#locked(id, async () => {
      const current = await this.load(id);
      if (change.status !== undefined) checkStatusChange(id, current.status, change.status);
      const next = { ...current, ...change };
      await this.save(next);
      return next;
    });
  }

  async #locked<T>(id: string, body: () => Promise<T>): Promise<T> {
    const lock = await acquireLock(getRecordLockPath(this.home, id));
    try {
      return await body();
    } finally {
      await lock.release();
    }
  }

  /** Ids of every state dir, whether or not its record is readable. */
  async listIds(): Promise<string[]> {
    return listInstanceIds(this.home);
  }

  /** Every readable record, reconciled, newest first. */
  async list(): Promise<Metadata[]> {
    const records: Metadata[] = [];
    for (const id of await this.listIds()) {
      const m = await this.load(id).catch(() => undefined);
      if (m) records.push(await this.reconcile(m));
    }
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /**
   * A record that says running with no live supervisor behind it is marked lost; so is one
   * made ready to start (created, or prepared to resume) that no supervisor took up
   * within a minute.
   */
  async reconcile(m: Metadata): Promise<Metadata> {
    if (!isOrphaned(m)) return m;
    // Judged again under the lock on the record as it is now: a supervisor may have written
    // its end meanwhile, which must stand.
    return this.#locked(m.id, async () => {
      const now = await this.load(m.id);
      if (!isOrphaned(now)) return now;
      const lost: Metadata = {
        ...now,
        status: 'lost',
        endedAt: now.endedAt ?? new Date().toISOString(),
        message:
          'The process supervising this instance is gone; its sandbox may be left over (corral gc removes it).',
      };
      await this.save(lost);
      return lost;
    });
  }

  /** Finds an instance by exact id, unique id prefix, or unique name. */
  async resolve(ref: string): Promise<Metadata> {
    const ids = await this.listIds();
    if (ids.includes(ref)) return this.reconcile(await this.load(ref));
    const byPrefix = ids.filter((id) => id.startsWith(ref));
    const byName: string[] = [];
    for (const id of ids) {
      const m = await this.load(id).catch(() => undefined);
      if (m?.name === ref) byName.push(id);
    }
    const matches = [...new Set([...byName, ...byPrefix])];
    if (matches.length === 1) return this.reconcile(await this.load(matches[0]!));
    if (matches.length > 1) {
      throw new CorralError(
        'INSTANCE_NOT_FOUND',
        `'${ref}' matches ${matches.length} instances (${matches.slice(0, 5).join(', ')}).`,
        {
          hint: 'Use the full id.',
        },
      );
    }
    throw new CorralError('INSTANCE_NOT_FOUND', `No instance '${ref}'.`, {
      hint: 'Run `corral ls` to see instances.',
    });
  }
}
