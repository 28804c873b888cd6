/**
 * compose.yml and compose.log in an instance's state dir. The file is written as JSON,
 * which is YAML too, so Compose reads it, `jq` reads it, and corral reads it back without
 * a YAML dependency. Compose interpolates `$NAME` in every value, so each `$` a plan holds
 * (a password in an env value, a shell snippet in a command) is written as `$$`, which
 * Compose turns back into one `$`: the file means exactly the spec, whatever is in the
 * environment of whoever runs Compose.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../lib/fs-atomic.js';
import type { ComposeSpec } from './compose-spec.js';

export const composeFileName = 'compose.yml';
export const composeLogName = 'compose.log';

export function getComposeFilePath(stateDir: string): string {
  return join(stateDir, composeFileName);
}

export function getComposeLogPath(stateDir: string): string {
  return join(stateDir, composeLogName);
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return value;
}

/** The text of compose.yml for `spec`. */
export function serializeComposeSpec(spec: ComposeSpec): string {
  return `${JSON.stringify(
    mapStrings(spec, (s) => s.replaceAll('$', '$$$$')),
    null,
    2,
  )}\n`;
}

/** Reads back a file written by serializeComposeSpec. */
export function parseComposeFile(text: string): ComposeSpec {
  return mapStrings(JSON.parse(text), (s) => s.replaceAll('$$', '$')) as ComposeSpec;
}

/** Writes compose.yml into `stateDir` (atomically) and returns its path. */
export async function writeComposeFile(stateDir: string, spec: ComposeSpec): Promise<string> {
  const path = getComposeFilePath(stateDir);
  await writeFileAtomic(path, serializeComposeSpec(spec));
  return path;
}

export async function loadComposeFile(stateDir: string): Promise<ComposeSpec> {
  return parseComposeFile(await readFile(getComposeFilePath(stateDir), 'utf8'));
}
