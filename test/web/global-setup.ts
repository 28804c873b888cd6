/**
 * Runs once before the dashboard's tests: builds the CLI and the dashboard (`npm run
 * build`: dist/ and dist/web/), as a user's install does. These tests use the local
 * backend and a browser, never Docker; the browser test checks for its browser itself.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  execFileSync('npm', ['run', '-s', 'build'], {
    cwd: resolve(import.meta.dirname, '..', '..'),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    execFileSync('bwrap', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'The dashboard tests run instances on the local backend, which needs bubblewrap. Run `sudo bash scripts/setup-host.sh`.',
    );
  }
}
