/**
 * What `corral setup` prints: the result on stdout (a few lines, or one JSON object), and,
 * when the script did not pass, one error line on stderr with where to see why and the
 * documented exit code. A verification that ran is an outcome, not a crash: its JSON object
 * is printed either way, with the error inside it.
 */
import { formatDurationMs } from '../lib/duration.js';
import { CorralError, ExitCode } from '../lib/errors.js';
import type { DiscoverOutcome } from '../orchestrator/setup/index.js';
import { setupScriptPath } from '../orchestrator/setup/index.js';
import type { Metadata } from '../state/index.js';
import { printJson, printLine, progress } from './output.js';

/** How the verification run ended, for a sentence: "exited 1", "timed out after 20m". */
export function describeCheckEnd(check: Metadata): string {
  if (check.status === 'timed-out')
    return `timed out after ${formatDurationMs(check.timeoutMs ?? check.durationMs ?? 0)}`;
  if (check.exitCode !== null) return `exited ${check.exitCode}`;
  if (check.signal) return `was killed by ${check.signal}`;
  return `ended ${check.status}`;
}

export function failedVerification(check: Metadata, kept: string): CorralError {
  return new CorralError(
    'SETUP_FAILED',
    `${setupScriptPath} failed verification: it ${describeCheckEnd(check)} in a fresh sandbox (${check.id}).`,
    { hint: `See its output: corral logs ${check.id}. ${kept}` },
  );
}

/** Prints a discovery's result; the exit code. */
export function printDiscovered(outcome: DiscoverOutcome, json: boolean): number {
  if (outcome.kind === 'canceled') {
    if (json)
      printJson({
        kept: false,
        canceled: true,
        agentInstance: outcome.agent.id,
        checkInstance: outcome.check?.id ?? null,
      });
    progress(
      `corral: stopped; nothing was kept in your tree (the agent's work is on ${outcome.agent.branch}).`,
    );
    return ExitCode.canceled;
  }
  const { agent, check } = outcome;
  const error = outcome.ok
    ? null
    : failedVerification(check, `The script stays on ${agent.branch}; your tree is unchanged.`);
  if (json) {
    printJson({
      kept: outcome.ok,
      path: outcome.path,
      agentInstance: agent.id,
      checkInstance: check.id,
      exitCode: check.exitCode,
      script: outcome.script,
      ...(error ? { error: error.toJSON() } : {}),
    });
  } else if (outcome.ok) {
    printLine(`kept: ${outcome.path}${outcome.written ? '' : ' (already there, unchanged)'}`);
    printLine(`agent: ${agent.id}`);
    printLine(`check: ${check.id}`);
  }
  if (error) progress(`corral: ${error.line}`);
  return error ? error.exitCode : ExitCode.ok;
}

/** Prints a check's result; the exit code. */
export function printChecked(
  result: { check: Metadata; ok: boolean; path: string },
  json: boolean,
): number {
  const { check } = result;
  if (check.status === 'canceled') {
    if (json) printJson({ ok: false, canceled: true, path: result.path, checkInstance: check.id });
    progress('corral: stopped before the script ended.');
    return ExitCode.canceled;
  }
  const error = result.ok ? null : failedVerification(check, 'Your tree is unchanged.');
  if (json) {
    printJson({
      ok: result.ok,
      path: result.path,
      checkInstance: check.id,
      exitCode: check.exitCode,
      ...(error ? { error: error.toJSON() } : {}),
    });
  } else if (result.ok) {
    printLine(`ok: ${result.path}`);
    printLine(`check: ${check.id}`);
  }
  if (error) progress(`corral: ${error.line}`);
  return error ? error.exitCode : ExitCode.ok;
}
