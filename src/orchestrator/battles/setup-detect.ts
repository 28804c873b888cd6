/**
 * What prepares a grading sandbox when the battle names no `--setup`: the repository's own
 * `.corral/setup.sh`, else what its top-level files say (a lockfile, a manifest), first
 * match wins. Read from the base's tree, which is the developer's own. The script runs as
 * `corral setup --check` verifies it.
 */
import { setupScriptCommand, setupScriptPath } from '../setup/index.js';

export const setupDetectors: ReadonlyArray<{ file: string; setup: string }> = [
  { file: setupScriptPath, setup: setupScriptCommand },
  { file: 'package-lock.json', setup: 'npm ci' },
  { file: 'pnpm-lock.yaml', setup: 'pnpm install --frozen-lockfile' },
  { file: 'yarn.lock', setup: 'yarn install --frozen-lockfile' },
  { file: 'requirements.txt', setup: 'pip install -r requirements.txt' },
  { file: 'pyproject.toml', setup: 'pip install -e .' },
  { file: 'go.mod', setup: 'go mod download' },
  { file: 'Cargo.toml', setup: 'cargo fetch' },
];

/**
 * @example
 * detectSetup(['README.md', 'package.json', 'package-lock.json']) // 'npm ci'
 * detectSetup(['Makefile']) // null (make's targets are the test command's business)
 */
export function detectSetup(paths: readonly string[]): string | null {
  const present = new Set(paths);
  return setupDetectors.find((d) => present.has(d.file))?.setup ?? null;
}
