/**
 * Recognizes a sandbox that failed to set up, as opposed to a command that failed.
 * bubblewrap copies the host's whole mount tree (`--ro-bind / /`) and then remounts each
 * mount read-only; a mount that disappears in between (Docker starting or removing a
 * container does that under /var/lib/docker) makes it die with "bwrap: Can't bind mount
 * … Invalid argument" before the command runs. That race is transient, so the callers that
 * own a run end to end (`exec`, the probe's trial) try again.
 */

/** How many times a run is attempted when bubblewrap fails to set up. */
export const setupAttempts = 3;
export const setupRetryDelayMs = 100;

/** True when a run produced nothing but bubblewrap's own error, so the command never ran. */
export function isSetupFailure(run: {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}): boolean {
  if (run.exitCode !== 1 || run.stdout !== '') return false;
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  return lines.length > 0 && lines.every((l) => l.startsWith('bwrap: '));
}
