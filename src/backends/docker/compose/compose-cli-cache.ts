/**
 * The Compose CLI found once and remembered for an hour, in a small file under the state
 * root: finding it means running `docker compose version` and then, on machines with only
 * v1, `docker-compose version` (a Python start-up, about 0.4 s), which every fenced start
 * would otherwise pay again. The memory is keyed by what decides the answer (PATH and the
 * engine's address), so a changed PATH finds anew; a file that cannot be read or written
 * only costs the detection.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { detectComposeCli, type ComposeCli } from './compose-cli.js';

const ttlMs = 3_600_000;

interface CacheFile {
  key: string;
  at: number;
  cli: ComposeCli;
}

function cacheKey(env: NodeJS.ProcessEnv): string {
  return [env.PATH ?? '', env.DOCKER_HOST ?? '', env.DOCKER_CONTEXT ?? ''].join('|');
}

async function load(path: string, key: string): Promise<ComposeCli | undefined> {
  try {
    const cache = JSON.parse(await readFile(path, 'utf8')) as Partial<CacheFile>;
    const cli = cache.cli;
    if (cache.key !== key || typeof cache.at !== 'number' || Date.now() - cache.at > ttlMs) {
      return undefined;
    }
    const valid =
      cli &&
      Array.isArray(cli.argv) &&
      cli.argv.every((a) => typeof a === 'string') &&
      (cli.argv.join(' ') === 'docker compose' || cli.argv.join(' ') === 'docker-compose') &&
      typeof cli.version === 'string' &&
      (cli.generation === 1 || cli.generation === 2);
    return valid ? cli : undefined;
  } catch {
    return undefined;
  }
}

/** The Compose CLI to use, from `cacheFile` when it is fresh; throws like detectComposeCli. */
export async function detectComposeCliCached(
  cacheFile: string,
  options: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<ComposeCli> {
  const key = cacheKey(options.env ?? process.env);
  const cached = await load(cacheFile, key);
  if (cached) return cached;
  const cli = await detectComposeCli(options.signal ? { signal: options.signal } : {});
  try {
    await mkdir(dirname(cacheFile), { recursive: true });
    const cache: CacheFile = { key, at: Date.now(), cli };
    await writeFile(cacheFile, JSON.stringify(cache));
  } catch {
    // Not remembered: the next start finds it again.
  }
  return cli;
}
