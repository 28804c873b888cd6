/**
 * How commands talk to people and scripts: results on stdout (one JSON object with
 * --json), progress and errors on stderr. A CorralError prints one line and exits with
 * its documented code; anything else is an internal error, printed with its stack and a
 * request to report it.
 */
import { CorralError, ExitCode, isCorralError } from '../lib/errors.js';
import { sanitizeTerminalText } from '../lib/terminal-text.js';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A line for people on stdout; nothing in it (a name, a message from a sandbox) can
 * drive the terminal beyond colour. */
export function printLine(line = ''): void {
  process.stdout.write(sanitizeTerminalText(line) + '\n');
}

export function progress(line: string): void {
  process.stderr.write(sanitizeTerminalText(line) + '\n');
}

export function reportError(error: unknown, json: boolean): number {
  if (isCorralError(error)) {
    if (json) printJson({ error: error.toJSON() });
    progress(`corral: ${error.line}`);
    return error.exitCode;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  if (json) printJson({ error: { code: 'INTERNAL', message: err.message } });
  progress(
    `corral: internal error: ${err.message}\n${err.stack ?? ''}\n` +
      'This is a bug in corral. Please report it with the command you ran and the lines above.',
  );
  return ExitCode.internal;
}

export function usage(message: string, hint?: string): CorralError {
  return new CorralError('USAGE', message, { hint });
}
