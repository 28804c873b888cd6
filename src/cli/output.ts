/**
 * How commands talk to people and scripts: results on stdout (one JSON object with
 * --json), progress and errors on stderr. A CorralError prints one line and exits with
 * its documented code; anything else is an internal error, printed with its stack and a
 * request to report it.
 */
import { CorralError, ExitCode, isCorralError } from '../lib/errors.js';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLine(line = ''): void {
  process.stdout.write(line + '\n');
}

export function progress(line: string): void {
  process.stderr.write(line + '\n');
}

/** Terminal rendering must not let output rewrite the user's terminal. */
export function stripControl(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|[\x00-\x08\x0b-\x1f\x7f]/g,
    '',
  );
}

export function reportError(error: unknown, json: boolean): number {
  if (isCorralError(error)) {
    if (json) printJson({ error: error.toJSON() });
    process.stderr.write(`corral: ${error.line}\n`);
    return error.exitCode;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  if (json) printJson({ error: { code: 'INTERNAL', message: err.message } });
  process.stderr.write(
    `corral: internal error: ${err.message}\n${err.stack ?? ''}\n` +
      'This is a bug in corral. Please report it with the command you ran and the lines above.\n',
  );
  return ExitCode.internal;
}

export function usage(message: string, hint?: string): CorralError {
  return new CorralError('USAGE', message, { hint });
}
