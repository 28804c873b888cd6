/**
 * The battle pages' data, live: the list of battles and one battle's record with its
 * results. Both come from the engine API and are loaded again when the joint stream says
 * something of a battle (`battle.*`): the list fetches only that battle's record, the battle
 * page its record and results; each through a latest-only loader (latest-loader.ts). The
 * engine says a battle's events as it saves its record, so a record that does not show the
 * last event yet is fetched again, a little later (as the instances store does).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, describeError } from './api.js';
import { isBattleEvent, recordShows, withBattle } from './battle-view.js';
import { useFeedEvents } from './hooks.js';
import { latestLoader } from './latest-loader.js';
import type { BattleRecord, BattleResults, CorralEvent } from './types.js';

/** How often a record that lags its last event is fetched again (400 ms apart). */
const maxRefetches = 25;

interface RecordFollower {
  /** An event of this battle: load it again (and again, until the record shows it). */
  saw(event: CorralEvent | null): void;
  dispose(): void;
}

function followRecord<T>(
  load: () => Promise<T>,
  recordOf: (value: T) => BattleRecord,
  deliver: (value: T) => void,
  fail: (error: unknown) => void,
  delayMs: number,
): RecordFollower {
  let last: CorralEvent | null = null;
  let tries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loader = latestLoader(
    load,
    (value) => {
      deliver(value);
      if (last && !recordShows(recordOf(value), last) && tries++ < maxRefetches) {
        clearTimeout(timer);
        timer = setTimeout(() => loader.request(), 400);
      }
    },
    fail,
    delayMs,
  );
  return {
    saw(event) {
      last = event;
      tries = 0;
      loader.request();
    },
    dispose() {
      clearTimeout(timer);
      loader.dispose();
    },
  };
}

/** Every battle, newest first (null until listed), and what went wrong listing them. */
export function useBattleList(): { battles: BattleRecord[] | null; error: string | null } {
  const [battles, setBattles] = useState<BattleRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const followers = useRef(new Map<string, RecordFollower>());

  useEffect(() => {
    let live = true;
    api.listBattles().then(
      (list) => {
        if (!live) return;
        // Records fetched for events while listing are newer than the list's.
        setBattles((now) => (now ?? []).reduce((acc, record) => withBattle(acc, record), list));
        setError(null);
      },
      (e: unknown) => live && setError(describeError(e)),
    );
    const all = followers.current;
    return () => {
      live = false;
      for (const follower of all.values()) follower.dispose();
      all.clear();
    };
  }, []);

  useFeedEvents(
    useCallback((event: CorralEvent) => {
      if (!isBattleEvent(event)) return;
      let follower = followers.current.get(event.id);
      if (!follower) {
        follower = followRecord(
          () => api.getBattle(event.id),
          (record) => record,
          (record) => setBattles((now) => withBattle(now ?? [], record)),
          () => undefined,
          50,
        );
        followers.current.set(event.id, follower);
      }
      follower.saw(event);
    }, []),
  );
  return { battles, error };
}

export interface BattleData {
  record: BattleRecord | null;
  results: BattleResults | null;
  error: string | null;
  /** Loads both again (after an action the page took). */
  reload: () => void;
}

/** One battle's record and results, loaded again on each of its events. */
export function useBattle(id: string): BattleData {
  const [data, setData] = useState<{ record: BattleRecord; results: BattleResults } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const follower = useRef<RecordFollower | null>(null);

  useEffect(() => {
    const f = followRecord(
      async () => {
        const [record, results] = await Promise.all([api.getBattle(id), api.battleResults(id)]);
        return { record, results };
      },
      (loaded) => loaded.record,
      (loaded) => {
        setData(loaded);
        setError(null);
      },
      (e) => setError(describeError(e)),
      0,
    );
    follower.current = f;
    f.saw(null);
    return () => f.dispose();
  }, [id]);

  useFeedEvents(
    useCallback(
      (event: CorralEvent) => {
        if (isBattleEvent(event) && event.id === id) follower.current?.saw(event);
      },
      [id],
    ),
  );
  const reload = useCallback(() => follower.current?.saw(null), []);
  return { record: data?.record ?? null, results: data?.results ?? null, error, reload };
}
