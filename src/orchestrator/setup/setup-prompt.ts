/**
 * The task `corral setup --discover` gives its agent: find out what the repository's tests
 * need, write `.corral/setup.sh` that installs it (and nothing else), try it, and stop. It
 * says which hosts the sandbox can reach, so the agent knows what an install may fetch, and
 * that only the script is kept: it is verified in a fresh sandbox without anything else the
 * agent leaves behind.
 */
import { setupScriptCommand, setupScriptPath } from './setup-script.js';

export interface SetupPromptInput {
  /** The hosts the sandbox may reach besides the model API (`--allow-host`, presets expanded or named). */
  reachable: readonly string[];
  /** Extra instructions from the user (`-p`), added at the end. */
  extra?: string;
}

/**
 * @example
 * makeSetupPrompt({ reachable: ['registry.npmjs.org'] }) // "Write .corral/setup.sh …"
 */
export function makeSetupPrompt(input: SetupPromptInput): string {
  const network = input.reachable.length
    ? `The network reaches only your model API and ${input.reachable.join(', ')}.`
    : 'The network reaches only your model API: nothing can be downloaded.';
  const lines = [
    `Write ${setupScriptPath} for this repository, then stop.`,
    '',
    `${setupScriptPath} prepares a fresh copy of this repository so that its tests can run. It is run as \`${setupScriptCommand}\` from the repository's top level, in a new sandbox holding the repository's files as they are now (nothing else you leave here is kept), before the tests.`,
    '',
    '1. Explore: read the README, the manifests and lockfiles, the build and test configuration and the CI workflows, to learn how the tests are run and what they need installed.',
    `2. Write ${setupScriptPath} so that it:`,
    '   - installs what the tests need and nothing else: the dependencies from the lockfile (npm ci, pip install -r requirements.txt, go mod download, …), a build or code generation step the tests depend on;',
    '   - runs without a terminal or questions (pass --yes, -y, CI=1 where a tool asks) and can run twice without harm;',
    '   - starts with `#!/usr/bin/env bash` and `set -euo pipefail`, and works from the top level of the repository;',
    '   - does not run the tests, needs no secret, token or password, and does not change files tracked by git.',
    `3. Try it: run \`${setupScriptCommand}\` and fix it until it exits 0. ${network} If an install needs a host it cannot reach, say so in a comment in the script.`,
    `4. Leave ${setupScriptPath} in place and remove anything else you created; then stop.`,
  ];
  if (input.extra?.trim()) lines.push('', `Also: ${input.extra.trim()}`);
  return lines.join('\n') + '\n';
}
