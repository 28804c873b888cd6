/**
 * Verifies a setup script the way a battle's grading will run it: in a fresh sandbox that
 * starts from the base with the script put in (setup-commit.ts) and holds that history only,
 * so nothing else an agent wrote, on its branch or anywhere in the repository, can help.
 * The sandbox runs `bash .corral/setup.sh` with stdin closed, the given hosts reachable and
 * a timeout; afterwards its tree is reset, so what an install leaves untracked (a
 * node_modules that .gitignore misses) is not committed on the instance's branch. The run's
 * exit code is the script's.
 */
import type { Metadata } from '../../state/index.js';
import { commitSetupScript } from './setup-commit.js';
import type { SetupInstances, SetupRunOptions } from './setup-instances.js';
import { setupScriptCommand } from './setup-script.js';

export interface Verification {
  /** The verification instance's final record (`corral logs <id>` shows the script's output). */
  check: Metadata;
  ok: boolean;
}

/** The verification sandbox's command. */
export function makeCheckCommand(): string[] {
  // No hooks, no fsmonitor: git here runs after the script, on what it left.
  const git = 'git -c core.hooksPath=/dev/null -c core.fsmonitor= -c core.pager=cat';
  const lines = [
    `( ${setupScriptCommand} ) </dev/null`,
    's=$?',
    `${git} reset -q --hard >/dev/null 2>&1; ${git} clean -fdq >/dev/null 2>&1`,
    'exit $s',
  ];
  return ['sh', '-c', lines.join('\n')];
}

export async function verifySetup(
  instances: SetupInstances,
  options: SetupRunOptions & { sourceRoot: string; base: string; script: string },
): Promise<Verification> {
  const from = await commitSetupScript(options.sourceRoot, options.base, options.script);
  const check = await instances.run({
    repoDir: options.repoDir,
    from,
    baseHistoryOnly: true,
    agent: 'shell',
    command: makeCheckCommand(),
    backend: options.backend,
    ...(options.image !== undefined ? { image: options.image } : {}),
    keep: false,
    interactive: false,
    limits: options.limits,
    ...(options.allowHosts.length ? { allowHosts: options.allowHosts } : {}),
    ...(options.allowPresets.length ? { allowPresets: options.allowPresets } : {}),
    timeoutMs: options.timeoutMs,
  });
  return { check, ok: check.status === 'succeeded' && check.exitCode === 0 };
}
