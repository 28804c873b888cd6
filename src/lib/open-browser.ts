/**
 * Opens an address in the user's browser, for `corral serve --open`. Which command does it
 * is an ordered list: `$BROWSER` first (the user's explicit choice; a `:`-separated list, an
 * entry with `%s` gets the address there, else after its words), then the platform's opener
 * (`xdg-open`, or `open` on macOS). Each is looked up on PATH before it is started, so "no
 * browser" is an answer (null) the caller can say in one line, not a crash; the opener is
 * started detached and not waited for.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export interface OpenerChoice {
  /** The program and its arguments, the address among them. */
  argv: string[];
  /** Where it came from, to say so: `$BROWSER` or the platform's opener. */
  source: string;
}

/**
 * The first opener found for `url`, or null.
 *
 * @example findOpener('http://127.0.0.1:7070/', { BROWSER: 'firefox' }, 'linux')
 * // { argv: ['/usr/bin/firefox', 'http://127.0.0.1:7070/'], source: '$BROWSER' }
 */
export function findOpener(
  url: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): OpenerChoice | null {
  const candidates: { words: string[]; source: string }[] = [];
  for (const entry of (env.BROWSER ?? '').split(':')) {
    const words = entry.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    const placed = words.some((w) => w.includes('%s'));
    const args = placed ? words.map((w) => w.replaceAll('%s', url)) : [...words, url];
    candidates.push({ words: args, source: '$BROWSER' });
  }
  // corral runs on Linux and macOS (its sandboxes need them): their openers only.
  if (platform === 'darwin') candidates.push({ words: ['open', url], source: 'open' });
  else candidates.push({ words: ['xdg-open', url], source: 'xdg-open' });
  for (const c of candidates) {
    const [program, ...args] = c.words;
    const path = program === undefined ? null : findOnPath(program, env.PATH ?? '');
    if (path) return { argv: [path, ...args], source: c.source };
  }
  return null;
}

/** Starts the opener and lets it go (a browser may run long after serving ends). */
export function startOpener(choice: OpenerChoice): void {
  const [program, ...args] = choice.argv;
  if (program === undefined) return;
  const child = spawn(program, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}

function findOnPath(program: string, path: string): string | null {
  const dirs =
    program.includes('/') || isAbsolute(program) ? [''] : path.split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = dir === '' ? program : join(dir, program);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
