/**
 * Runs once before the system tests: builds the CLI and makes sure what the tests need is
 * really there (a Docker engine that answers, the default sandbox image, bubblewrap for
 * the local backend). A missing piece fails the run with the command that fixes it; the
 * system tests never silently skip.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

export default function setup(): void {
  run('npx', ['tsc', '-p', 'tsconfig.build.json']);
  try {
    run('docker', ['info', '--format', '{{.ServerVersion}}']);
  } catch {
    throw new Error(
      'The system tests need a Docker engine and none answers. Run `sudo bash scripts/setup-host.sh` (installs docker.io, starts dockerd, builds the base image).',
    );
  }
  try {
    run('bwrap', ['--version']);
  } catch {
    throw new Error('The system tests need bubblewrap. Run `sudo bash scripts/setup-host.sh`.');
  }
}
