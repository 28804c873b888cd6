/**
 * What `corral setup` needs of instances: run one to its end, with the user watching. The
 * setup flows program against this seam; the CLI gives it the engine's API (the runs are
 * supervised there, their output shown as progress), so a flow here never opens a backend.
 */
import type { Metadata } from '../../state/index.js';
import type { RunRequest } from '../orchestrator.js';

export interface SetupInstances {
  /**
   * Creates the instance, runs it to its end and resolves with its final record (also
   * when it failed, timed out or was stopped: the status says which).
   */
  run(request: RunRequest): Promise<Metadata>;
}

/** What both runs of a setup share: where, how big, what they may reach, for how long. */
export interface SetupRunOptions {
  repoDir: string;
  backend: RunRequest['backend'];
  image?: string;
  limits: RunRequest['limits'];
  allowHosts: string[];
  allowPresets: string[];
  timeoutMs: number;
}
