/**
 * Which build of corral this is: the package version plus when the engine's entry point
 * was built. A CLI drives only an engine of its own build (a rebuilt checkout counts as a
 * new one), so an engine never serves a CLI whose records or API it may not know.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { version } from '../lib/version.js';

/** The file the engine process runs. */
export const engineEntry = fileURLToPath(new URL('./engine-main.js', import.meta.url));

let cached: string | undefined;

export function buildId(): string {
  if (cached) return cached;
  let stamp = '0';
  try {
    stamp = Math.floor(statSync(engineEntry).mtimeMs).toString(36);
  } catch {
    // run from source: the version alone
  }
  cached = `${version}+${stamp}`;
  return cached;
}
