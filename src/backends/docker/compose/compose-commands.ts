/**
 * The exact Compose command lines corral runs on an instance's project: the project's
 * name, file and directory as global flags, then the subcommand with flags that v1 and v2
 * both document. One exception: `up --pull never`, which v2 has only from 2.8 on (an older
 * v2 refuses it as an unknown flag, and v1 never had it); there `up` relies on the images
 * being checked present beforehand, as it always does.
 */
import type { ComposeCli } from './compose-cli.js';

/** What corral asks of Compose: bringing a project up, stopping a kept one (logs and teardown go through the Engine API). */
export type ComposeAction = 'up' | 'stop';

export interface ComposeTarget {
  /** The project name (the instance id). */
  name: string;
  /** Its compose.yml. */
  file: string;
  /** The state dir, as the project directory. */
  dir: string;
}

/** Whether `up` takes `--pull never`: Compose v2.8 and later. */
export function acceptsUpPull(cli: ComposeCli): boolean {
  const [major = 0, minor = 0] = /^(\d+)\.(\d+)/.exec(cli.version)?.slice(1).map(Number) ?? [];
  return cli.generation === 2 && (major > 2 || (major === 2 && minor >= 8));
}

function actionArgs(cli: ComposeCli, action: ComposeAction): string[] {
  switch (action) {
    case 'up':
      return ['up', '-d', '--no-build', ...(acceptsUpPull(cli) ? ['--pull', 'never'] : [])];
    case 'stop':
      return ['stop', '--timeout', '3'];
  }
}

/**
 * The argv of `action` on `target`.
 *
 * @example
 *   getComposeArgv({ argv: ['docker', 'compose'], version: '2.24.5', generation: 2 },
 *     { name: 'shell-k3x9q', file: '/s/compose.yml', dir: '/s' }, 'stop')
 *   // ['docker', 'compose', '--project-name', 'shell-k3x9q', '--file', '/s/compose.yml',
 *   //  '--project-directory', '/s', 'stop', '--timeout', '3']
 */
export function getComposeArgv(
  cli: ComposeCli,
  target: ComposeTarget,
  action: ComposeAction,
): string[] {
  return [
    ...cli.argv,
    '--project-name',
    target.name,
    '--file',
    target.file,
    '--project-directory',
    target.dir,
    ...actionArgs(cli, action),
  ];
}
