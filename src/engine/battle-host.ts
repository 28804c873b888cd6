/**
 * The battles one engine drives: each battle's driver (orchestrator/battles/drive-battle.ts)
 * runs here, beside the runs it starts, so a battle goes on when the command that started
 * it is killed, and every client (the CLI's board, the dashboard) watches the same one.
 * Each save of a battle's record becomes its `battle.*` events (battle-events.ts), written
 * to `battles/<id>/events.ndjson` and handed to the all-instances stream, and its rows in
 * the index. The credentials a battle's command sent are kept in memory only, for as long
 * as it is driven; a battle whose driver is gone (the engine was killed) is marked
 * interrupted when the next engine starts, and `battle resume` (with credentials again)
 * goes on with it.
 */
import { readEventsAfter, EventBus, type CorralEvent, type NewEvent } from '../events/index.js';
import { CorralError, isCorralError } from '../lib/errors.js';
import type { BattleInstances } from '../orchestrator/battles/battle-instances.js';
import { battleEvents, battleInterrupted } from '../orchestrator/battles/battle-events.js';
import {
  BattleRecord,
  listBattles,
  loadBattle,
  saveBattle,
} from '../orchestrator/battles/battle-record.js';
import { loadBattleResults } from '../orchestrator/battles/battle-results.js';
import { battleRow } from '../orchestrator/battles/battle-row.js';
import { createBattle, holdBattle } from '../orchestrator/battles/create-battle.js';
import { driveBattle } from '../orchestrator/battles/drive-battle.js';
import { battlePullRequestText } from '../orchestrator/battles/battle-pull-request.js';
import {
  mergeBattle,
  pickContestant,
  type MergeOutcome,
} from '../orchestrator/battles/merge-battle.js';
import type { PushRequest, PushResult } from '../orchestrator/push/push-instance.js';
import { getBattlePaths } from '../state/index.js';
import type { InstanceIndex } from '../store/index.js';
import type {
  BattleResultsBody,
  FollowOptions,
  ProposeBattleInput,
  RequestEnv,
  StartBattleInput,
} from './engine-api.js';

export interface BattleHostOptions {
  home: string;
  /** The instances seam a battle's driver uses, with the credentials it was sent. */
  instances: (env: RequestEnv) => BattleInstances;
  /** Hands a battle event to the all-instances stream. */
  publish: (event: CorralEvent) => void;
  /** Pushes an instance's branch (push-instance.ts). */
  push: (request: PushRequest) => Promise<PushResult>;
  /** The index (throws when it cannot be used). */
  index: () => InstanceIndex;
  log: (line: string) => void;
}

interface Driven {
  readonly abort: AbortController;
  readonly done: Promise<BattleRecord>;
  readonly bus: EventBus;
  readonly listeners: Set<(event: CorralEvent) => void>;
  readonly ended: Set<() => void>;
}

export class BattleHost {
  readonly #driven = new Map<string, Driven>();

  constructor(private readonly o: BattleHostOptions) {}

  /** How many battles are driven now (an engine with one is not idle). */
  get size(): number {
    return this.#driven.size;
  }

  /**
   * Writes a new battle's record and starts driving it; its first record. The credentials
   * (`input.env`) go to the driver, never into the record.
   */
  async start(input: StartBattleInput): Promise<BattleRecord> {
    const { repoDir, spec, backend, limits } = input;
    const record = await createBattle(this.o.home, { repoDir, spec, backend, limits });
    await this.#drive(record, input.env, null);
    return record;
  }

  /**
   * Goes on with a battle not driven now (interrupted, or its driver gone); one driven
   * already, or graded, is left as it is. Its record as it stands.
   */
  async resume(id: string, env: RequestEnv): Promise<BattleRecord> {
    if (this.#driven.has(id)) return this.get(id);
    const record = await loadBattle(this.o.home, id);
    if (record.status === 'graded') return record;
    await this.#drive(record, env, structuredClone(record));
    return record;
  }

  /** Stops a driven battle (its contestants' work kept); its record once interrupted. */
  async stop(id: string): Promise<BattleRecord> {
    const driven = this.#driven.get(id);
    if (!driven) return this.get(id);
    driven.abort.abort();
    return driven.done;
  }

  get(id: string): Promise<BattleRecord> {
    return loadBattle(this.o.home, id);
  }

  /** Its grades and ranking as they stand, for the dashboard (the base's test list left out). */
  async results(id: string): Promise<BattleResultsBody> {
    const record = await loadBattle(this.o.home, id);
    const results = await loadBattleResults(this.o.home, record);
    const base = results.base;
    return {
      battle: id,
      ranking: results.ranked,
      grades: Object.fromEntries(results.grades),
      base: base && {
        counts: base.report?.counts ?? null,
        exitCode: base.exitCode,
        failure: base.failure,
      },
    };
  }

  /** Every battle, newest first: from the index, or from the state dirs when it cannot be used. */
  async list(): Promise<BattleRecord[]> {
    try {
      const records = this.o.index().battles.records();
      const parsed = records.map((json) => BattleRecord.safeParse(JSON.parse(json)));
      if (parsed.every((p) => p.success)) return parsed.map((p) => p.data);
    } catch {
      // The state dirs are the truth; read them.
    }
    return listBattles(this.o.home);
  }

  /** Merges the winner (or `contestant`) where the battle started (merge-battle.ts). */
  async merge(
    id: string,
    options: { contestant?: string; prune: boolean },
  ): Promise<MergeOutcome & { battle: string }> {
    let merged: MergeOutcome | undefined;
    await this.#edit(id, async (record) => {
      const outcome = await mergeBattle(
        record,
        await loadBattleResults(this.o.home, record),
        options,
      );
      record.merged = {
        contestant: outcome.contestant,
        how: outcome.how,
        into: outcome.into,
        commit: outcome.commit,
        at: new Date().toISOString(),
      };
      merged = outcome;
      return [];
    });
    return { battle: id, ...merged! };
  }

  /**
   * Pushes the winner's (or `contestant`'s) branch host-side and opens a pull request into
   * the branch the battle started from, its body the grade (battle-pull-request.ts). A
   * battle from uncommitted changes is refused: its branches hold those changes too.
   */
  async propose(
    id: string,
    input: ProposeBattleInput,
  ): Promise<PushResult & { battle: string; contestant: string }> {
    const record = await loadBattle(this.o.home, id);
    const results = await loadBattleResults(this.o.home, record);
    const chosen = pickContestant(record, results, input.contestant);
    if (record.baseDirty) {
      throw new CorralError(
        'MERGE_REFUSED',
        `Battle ${id} started from uncommitted changes: a pull request of its branch would carry them too.`,
        { hint: `Merge it into your tree (corral battle merge ${id}), then commit and push.` },
      );
    }
    const base = input.base ?? record.startBranch;
    if (base === null || chosen.instanceId === null) {
      throw new CorralError('MERGE_REFUSED', `Battle ${id} started on a detached HEAD.`, {
        hint: 'Name the base: corral battle merge --pr --base <branch>.',
      });
    }
    const pushed = await this.o.push({
      ref: chosen.instanceId,
      remote: input.remote,
      pullRequest: true,
      base,
      cwd: input.cwd,
      env: input.env,
      text: battlePullRequestText(record, results, chosen.name),
    });
    const opened = pushed.pullRequest;
    if (opened) {
      await this.#edit(id, (now) => {
        now.proposed = {
          contestant: chosen.name,
          remote: pushed.remote,
          url: opened.url,
          number: opened.number,
          at: new Date().toISOString(),
        };
        return Promise.resolve([]);
      });
    }
    return { battle: id, contestant: chosen.name, ...pushed };
  }

  /**
   * A battle's events in order from `after` (its seq), then, following, live ones until
   * its driver stops (at once when none drives it).
   */
  async follow(
    id: string,
    options: FollowOptions,
    onEvent: (event: CorralEvent) => void,
  ): Promise<void> {
    await loadBattle(this.o.home, id);
    const path = getBattlePaths(this.o.home, id).events;
    let last = options.after;
    if (last < 0) {
      await this.#driven.get(id)?.bus.flush();
      last = (await readEventsAfter(path, id, 0)).at(-1)?.seq ?? 0;
    }
    const deliver = (event: CorralEvent) => {
      const seq = event.seq ?? last + 1;
      if (seq <= last) return;
      last = seq;
      onEvent(event);
    };
    const held: CorralEvent[] = [];
    let replayed = false;
    const driven = options.follow ? this.#driven.get(id) : undefined;
    let ended = false;
    let wake: () => void = () => undefined;
    const listener = (event: CorralEvent) => (replayed ? deliver(event) : held.push(event));
    const onEnd = () => {
      ended = true;
      wake();
    };
    driven?.listeners.add(listener);
    driven?.ended.add(onEnd);
    try {
      await driven?.bus.flush();
      for (const event of await readEventsAfter(path, id, last)) deliver(event);
      replayed = true;
      for (const event of held.splice(0)) deliver(event);
      options.onReady?.(last);
      if (!driven) return;
      while (!ended && !options.signal?.aborted) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      for (const event of await readEventsAfter(path, id, last)) deliver(event);
    } finally {
      driven?.listeners.delete(listener);
      driven?.ended.delete(onEnd);
    }
  }

  /** Writes out what a driven battle said so far (for the all-instances stream's reads). */
  async flush(id: string): Promise<void> {
    await this.#driven.get(id)?.bus.flush();
  }

  /**
   * Battles recorded as running that nobody drives (their engine was killed): marked
   * interrupted, so `battle ls` tells the truth and `battle resume` goes on with them.
   * One another process drives (its lock held) is left alone.
   */
  async interruptOrphans(): Promise<string[]> {
    const out: string[] = [];
    for (const record of await listBattles(this.o.home)) {
      if (record.status !== 'running' || this.#driven.has(record.id)) continue;
      const edited = await this.#edit(record.id, (now) => {
        if (now.status !== 'running') return Promise.resolve(null);
        now.status = 'interrupted';
        const why = 'its driver stopped (the engine ended); corral battle resume goes on';
        return Promise.resolve([battleInterrupted(now.id, why, null)]);
      }).catch((error: unknown) => {
        // Driven by another process (its lock held): left alone.
        if (isCorralError(error) && error.code === 'BATTLE_BUSY') return null;
        throw error;
      });
      if (edited?.status === 'interrupted') out.push(edited.id);
    }
    return out;
  }

  /**
   * Changes the record of a battle not driven here, under its lock: `edit` changes it and
   * returns the events to say besides what battle-events.ts reads off the change (null:
   * nothing changed); the record is then saved, its events said, its rows indexed.
   */
  async #edit(
    id: string,
    edit: (record: BattleRecord) => Promise<NewEvent[] | null>,
  ): Promise<BattleRecord> {
    const held = await holdBattle(this.o.home, id);
    try {
      const record = await loadBattle(this.o.home, id);
      const before = structuredClone(record);
      const also = await edit(record);
      if (also === null) return record;
      await saveBattle(this.o.home, record);
      const events = [...battleEvents(before, record), ...also];
      if (events.length) {
        const bus = await EventBus.open(getBattlePaths(this.o.home, id).events, id);
        for (const event of events) this.o.publish(bus.push(event));
        await bus.flush();
      }
      this.#index(record);
      return record;
    } finally {
      await held.release();
    }
  }

  async #drive(record: BattleRecord, env: RequestEnv, before: BattleRecord | null): Promise<void> {
    const { home } = this.o;
    const held = await holdBattle(home, record.id);
    const bus = await EventBus.open(getBattlePaths(home, record.id).events, record.id);
    const abort = new AbortController();
    const listeners = new Set<(event: CorralEvent) => void>();
    const ended = new Set<() => void>();
    let last = before;
    const say = (event: NewEvent) => {
      const full = bus.push(event);
      this.o.publish(full);
      for (const listener of listeners) listener(full);
    };
    const onChange = (snapshot: BattleRecord) => {
      for (const event of battleEvents(last, snapshot)) say(event);
      last = snapshot;
      this.#index(snapshot);
    };
    const driving = driveBattle(
      { home, instances: this.o.instances(env), onChange },
      record,
      abort.signal,
    ).then(
      (done) => {
        if (done.status === 'interrupted') {
          say(battleInterrupted(done.id, 'stopped; corral battle resume goes on', null));
        }
        return done;
      },
      async (error: unknown) => {
        const e = isCorralError(error)
          ? error.toJSON()
          : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
        this.o.log(`${record.id}: interrupted: ${e.message}`);
        say(battleInterrupted(record.id, e.message, e));
        return loadBattle(home, record.id);
      },
    );
    const done = driving.finally(async () => {
      await bus.flush().catch(() => undefined);
      await held.release();
      this.#driven.delete(record.id);
      for (const callback of ended) callback();
    });
    this.#driven.set(record.id, { abort, done, bus, listeners, ended });
  }

  #index(record: BattleRecord): void {
    try {
      this.o.index().battles.put(battleRow(record));
    } catch (error) {
      // The record in its state dir is the truth; the index catches up on rebuild.
      this.o.log(
        `${record.id}: the index was not updated (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
}
