/**
 * The battle pages' data, live: the list of battles and one battle's record with its
 * results. Both come from the engine API and are loaded again when the joint stream says
 * something of a battle (`battle.*`): the list fetches only that battle's record, the battle
 * page its record and results; each through a latest-only loader (latest-loader.ts).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, describeError } from './api.js';
import { isBattleEvent, withBattle } from './battle-view.js';
import { useFeedEvents } from './hooks.js';
import { latestLoader, type LatestLoader } from './latest-loader.js';
import type { BattleRecord, BattleResults, CorralEvent } from './types.js';

/** Every battle, newest first (null until listed), and what went wrong listing them. */
export function useBattleList(): { battles: BattleRecord[] | null; error: string | null } {
  const [battles, setBattles] = useState<BattleRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loaders = useRef(new Map<string, LatestLoader>());

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
    const all = loaders.current;
    return () => {
      live = false;
      for (const loader of all.values()) loader.dispose();
      all.clear();
    };
  }, []);

  useFeedEvents(
    useCallback((event: CorralEvent) => {
      if (!isBattleEvent(event)) return;
      let loader = loaders.current.get(event.id);
      if (!loader) {
        loader = latestLoader(
          () => api.getBattle(event.id),
          (record) => setBattles((now) => withBattle(now ?? [], record)),
          () => undefined,
        );
        loaders.current.set(event.id, loader);
      }
      loader.request();
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
  const loader = useRef<LatestLoader | null>(null);

  useEffect(() => {
    const l = latestLoader(
      async () => {
        const [record, results] = await Promise.all([api.getBattle(id), api.battleResults(id)]);
        return { record, results };
      },
      (loaded) => {
        setData(loaded);
        setError(null);
      },
      (e) => setError(describeError(e)),
      0,
    );
    loader.current = l;
    l.request();
    return () => l.dispose();
  }, [id]);

  useFeedEvents(
    useCallback(
      (event: CorralEvent) => {
        if (isBattleEvent(event) && event.id === id) loader.current?.request();
      },
      [id],
    ),
  );
  const reload = useCallback(() => loader.current?.request(), []);
  return { record: data?.record ?? null, results: data?.results ?? null, error, reload };
}
