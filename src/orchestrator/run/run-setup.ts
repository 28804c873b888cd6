/**
 * Prepares a sandbox before its agent starts: the instance's setup command (a battle's
 * `--setup`, `.corral/setup.sh`, or what was detected) runs in the workspace with the hosts
 * it was given (`--setup-allow-host`) open besides the policy, which are closed again, and
 * confirmed closed, before this returns: the agent phase gets only its own policy. What the
 * setup left untracked in the work tree (node_modules, a venv) is listed so that bring-back
 * never counts it as the agent's work. A setup that fails ends the run before any agent
 * starts (SETUP_FAILED, and its branch stays at the base).
 */
import type { Sandbox } from '../../backends/backend.js';
import type { NewEvent } from '../../events/index.js';
import { CorralError } from '../../lib/errors.js';
import type { SandboxSetup } from '../../state/index.js';

/** How much of what the setup printed its `setup.ended` event keeps (the end of it). */
const outputTailChars = 4000;
/** At most this many left-out paths are kept (the rest are a setup's own business). */
const maxLeftOut = 500;

export interface SetupRun {
  /** The instance's id, for the way on. */
  id: string;
  sandbox: Sandbox;
  setup: SandboxSetup;
  /** The setup's own variables (`--setup-env`): its process's alone, never the agent's. */
  env: Record<string, string>;
  /** Whether the sandbox has a way out at all (`network: 'open'`). */
  network: 'open' | 'none';
  /** The hosts the agent may reach (its model API's and its policy's): where it goes back to. */
  agentHosts: string[];
  push: (event: DistributiveOmitId<NewEvent>) => void;
  /** Secrets out of what the setup printed. */
  redact: (text: string) => string;
  log: (line: string) => void;
  signal?: AbortSignal;
}

type DistributiveOmitId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Runs the setup; returns the untracked paths it left. Throws SETUP_FAILED when it fails. */
export async function runSetup(run: SetupRun): Promise<string[]> {
  const { sandbox, setup } = run;
  const started = Date.now();
  run.push({ type: 'setup.started', command: setup.command });
  const hosts = run.network === 'open' ? setup.allowHosts : [];
  if (setup.allowHosts.length && run.network !== 'open')
    run.log('the setup runs without network (the instance has none)');
  const open = hostsSwitch(sandbox, run.agentHosts);
  if (hosts.length) await open(hosts);
  let result;
  try {
    result = await sandbox.exec(['sh', '-c', setup.command], {
      env: run.env,
      ...(run.signal ? { signal: run.signal } : {}),
    });
  } finally {
    // Closed whatever happened; a sandbox that cannot confirm it never runs the agent.
    if (hosts.length) await open([]);
  }
  const output = run.redact(`${result.stdout}${result.stderr}`).slice(-outputTailChars);
  run.push({
    type: 'setup.ended',
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: Date.now() - started,
    output,
  });
  if (result.exitCode !== 0) {
    const last = output.trimEnd().split('\n').at(-1)?.slice(0, 200) ?? '';
    throw new CorralError(
      'SETUP_FAILED',
      `The setup (${setup.command}) ${result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`} before the agent started${last ? `: ${last}` : '.'}`,
      { hint: `See what it printed: corral logs ${run.id}; fix the setup, then run again.` },
    );
  }
  return untrackedPaths(sandbox);
}

/** Opens hosts for the setup ([]: closes them), by what the sandbox can do. */
function hostsSwitch(sandbox: Sandbox, agentHosts: string[]): (hosts: string[]) => Promise<void> {
  if (sandbox.setSetupHosts) return (hosts) => sandbox.setSetupHosts!(hosts);
  if (sandbox.setAllowedHosts)
    return (hosts) => sandbox.setAllowedHosts!([...agentHosts, ...hosts]);
  return () =>
    Promise.reject(
      new CorralError('SETUP_FAILED', 'This sandbox cannot open hosts for a setup.', {
        hint: 'Run it without --setup-allow-host, or on a backend that filters by host.',
      }),
    );
}

/**
 * The work tree's untracked, unignored paths as gitignore patterns anchored at the root
 * (a directory as `/dir/`), with the characters gitignore reads specially escaped.
 */
async function untrackedPaths(sandbox: Sandbox): Promise<string[]> {
  const r = await sandbox.exec([
    'git',
    '-c',
    'core.quotePath=false',
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=normal',
  ]);
  if (r.exitCode !== 0) return [];
  return r.stdout
    .split('\0')
    .filter((entry) => entry.startsWith('?? '))
    .map(
      (entry) =>
        `/${entry
          .slice(3)
          .replace(/[\\*?[\]!#]/g, (c) => `\\${c}`)
          .replace(/ $/, '\\ ')}`,
    )
    .slice(0, maxLeftOut);
}
