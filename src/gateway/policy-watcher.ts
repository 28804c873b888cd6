/**
 * Keeps the gateway's egress policy current while it runs: reads the policy file at start,
 * then again whenever it may have changed — an `fs.watch` event on its directory (the
 * directory, because an atomic edit replaces the file's inode), a poll of the file's stat
 * (bind mounts can miss inotify events), or an explicit `reload()` (SIGHUP). Nothing is
 * restarted: the proxy asks `current()` for each new connection, so open connections carry
 * on and new ones see the new rules. A file that does not parse is reported and the last
 * good policy stays in force; before any good file, nothing is allowed.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { denyAllPolicy, parseEgressPolicy, type EgressPolicy } from './egress-policy.js';

export interface PolicyWatcherOptions {
  path: string;
  /** How often to stat the file in case no watch event arrives; default 1000. */
  pollMs?: number;
  /** Also use `fs.watch` on the directory (default true); the poll runs either way. */
  watch?: boolean;
  /** A new, valid policy is in force (also called once for the first good read). */
  onChange?: (policy: EgressPolicy) => void;
  /** The file could not be read or is invalid; the previous policy stays. */
  onError?: (message: string) => void;
}

export interface PolicyWatcher extends AsyncDisposable {
  current(): EgressPolicy;
  /** Reads the file now; resolves once the result (new policy or error) is applied. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts watching; resolves after the first read, so the policy is in force before the
 * proxy accepts its first connection.
 *
 * @example
 *   const policy = await watchEgressPolicy({ path: '/corral/policy/egress.json' });
 *   isHostAllowed(policy.current().allow, 'registry.npmjs.org', 443);
 */
export async function watchEgressPolicy(options: PolicyWatcherOptions): Promise<PolicyWatcher> {
  const { path } = options;
  let policy: EgressPolicy = denyAllPolicy;
  let lastText: string | null = null;
  let lastStat = '';
  let lastError: string | null = null;
  let closed = false;
  // Reads are chained so two quick changes apply in order, and a burst of watch events
  // costs one extra read at most.
  let chain: Promise<void> = Promise.resolve();
  let queued = false;

  const readOnce = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return report(`cannot read the egress policy ${path} (${code}); keeping the last good one`);
    }
    if (text === lastText) return;
    const parsed = parseEgressPolicy(text);
    if (!parsed.ok) {
      lastText = text;
      return report(
        `the egress policy ${path} is invalid: ${parsed.error}; keeping the last good one`,
      );
    }
    lastText = text;
    lastError = null;
    policy = parsed.policy;
    options.onChange?.(policy);
  };

  const report = (message: string): void => {
    if (message === lastError) return;
    lastError = message;
    options.onError?.(message);
  };

  const reload = (): Promise<void> => {
    if (closed) return chain;
    if (queued) return chain;
    queued = true;
    chain = chain.then(() => {
      queued = false;
      return readOnce();
    });
    return chain;
  };

  await reload();

  let watcher: FSWatcher | undefined;
  try {
    if (options.watch !== false) {
      watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
        if (name === null || name === basename(path)) void reload();
      });
      watcher.on('error', () => watcher?.close());
    }
  } catch {
    // The directory may not exist yet or not support watching: the poll covers it.
  }

  const poll = setInterval(() => {
    stat(path).then(
      (s) => {
        const signature = `${s.ino}:${s.size}:${s.mtimeMs}`;
        if (signature !== lastStat) {
          lastStat = signature;
          void reload();
        }
      },
      () => {
        if (lastStat !== 'missing') {
          lastStat = 'missing';
          void reload();
        }
      },
    );
  }, options.pollMs ?? 1000);
  poll.unref();

  const close = async (): Promise<void> => {
    closed = true;
    clearInterval(poll);
    watcher?.close();
    await chain;
  };
  return { current: () => policy, reload, close, [Symbol.asyncDispose]: close };
}
