/**
 * The tiny shell prologue every exec runs through, and the script that signals it later.
 * The Engine API can start a process in a container but not signal one, so each process
 * records its pid in a file named by a tag, then `exec`s the real command (keeping that
 * pid). The runtime starts every exec in its own session, so that pid is also the process
 * group: signalling `-pid` reaches the command and every child that stayed in its group.
 *
 * The prologue also makes sure HOME exists: it lives on the /tmp tmpfs (the root
 * filesystem is read-only) and is created by the agent's own uid so the agent can write it.
 */

/** Where pid files live inside the container (on the /tmp tmpfs). */
const pidDir = '/tmp/.corral';

const prologue = [
  `f=${pidDir}/pid-$1; shift`,
  `[ -d ${pidDir} ] || mkdir -p ${pidDir} 2>/dev/null`,
  '[ -z "$HOME" ] || [ -d "$HOME" ] || mkdir -p "$HOME" 2>/dev/null',
  'echo $$ > "$f" 2>/dev/null',
  'exec "$@"',
].join('; ');

/** The argv that runs `argv` after recording its pid under `tag`. A missing command exits 127. */
export function wrapArgv(argv: readonly string[], tag: string): string[] {
  return ['sh', '-c', prologue, 'sh', tag, ...argv];
}

const signalScript = [
  `f=${pidDir}/pid-$1; i=0`,
  // terminate() may come before the prologue has written the file; give it a moment.
  'while [ ! -s "$f" ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done',
  '[ -s "$f" ] || exit 0',
  'read pid < "$f"',
  'case "$pid" in ""|*[!0-9]*) exit 0;; esac',
  'kill -s "$2" -- "-$pid" 2>/dev/null || kill -s "$2" "$pid" 2>/dev/null',
  'exit 0',
].join('; ');

/** The argv that sends `signal` (TERM, KILL) to the process group recorded under `tag`. */
export function signalArgv(tag: string, signal: 'TERM' | 'KILL'): string[] {
  return ['sh', '-c', signalScript, 'sh', tag, signal];
}
