/**
 * Reads and writes instance records in the state dirs (the truth), finds an instance by
 * id, unique id prefix or name, and reconciles: a record that says running while its
 * supervisor process is gone becomes `lost`. It is the one place records are written and
 * state dirs removed, so its hooks are where a cache of them (the index) is kept current;
 * a hook that fails is logged and never fails the write, which stands.
 */
import { rm } from 'node:fs/promises';
import { CorralError } from '../lib/errors.js';
import {
  getInstancePaths,
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

  async update(id: string, change: Partial<Metadata>): Promise<Metadata> {
    const next = { ...(await this.load(id)), ...change };
    await this.save(next);
    return next;
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
    if (m.status !== 'running' && m.status !== 'created') return m;
    if (m.supervisor && isSupervisorAlive(m.supervisor)) return m;
    const prepared = Date.parse(m.preparedAt ?? m.createdAt);
    if (m.status === 'created' && Date.now() - prepared < startGraceMs) return m;
    const lost: Metadata = {
      ...m,
      status: 'lost',
      endedAt: m.endedAt ?? new Date().toISOString(),
      message:
        'The process supervising this instance is gone; its sandbox may be left over (corral gc removes it).',
    };
    await this.save(lost);
    return lost;
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
