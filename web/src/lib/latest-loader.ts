/**
 * Loads something again whenever asked, keeping only the newest answer: requests that
 * come close together (a burst of events) make one load, and an answer that arrives after
 * a later load has started is dropped, so a slow old response never overwrites a newer one.
 * The battle pages load a record this way on each `battle.*` event.
 */
export interface LatestLoader {
  /** Asks for a load (soon: requests within `delayMs` make one). */
  request(): void;
  /** Drops what is pending; nothing is delivered after this. */
  dispose(): void;
}

/**
 * @example
 * const loader = latestLoader(() => api.getBattle(id), setRecord, setError);
 * loader.request(); // on mount, and on each of its events
 */
export function latestLoader<T>(
  load: () => Promise<T>,
  deliver: (value: T) => void,
  fail: (error: unknown) => void,
  delayMs = 50,
): LatestLoader {
  let started = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  const run = () => {
    timer = undefined;
    const n = ++started;
    load().then(
      (value) => {
        if (!disposed && n === started) deliver(value);
      },
      (error: unknown) => {
        if (!disposed && n === started) fail(error);
      },
    );
  };
  return {
    request() {
      if (disposed || timer !== undefined) return;
      timer = setTimeout(run, delayMs);
    },
    dispose() {
      disposed = true;
      clearTimeout(timer);
    },
  };
}
