/**
 * `corral setup`: an agent writes the repository's `.corral/setup.sh` (discover), and a
 * setup script is verified in a fresh sandbox from the base before anyone relies on it
 * (check).
 */
export {
  isSetupScriptIgnored,
  loadCommittedSetupScript,
  loadWorkingSetupScript,
  maxSetupScriptBytes,
  setupScriptCommand,
  setupScriptPath,
  type SetupScript,
} from './setup-script.js';
export { makeSetupPrompt, type SetupPromptInput } from './setup-prompt.js';
export type { SetupInstances, SetupRunOptions } from './setup-instances.js';
export { makeCheckCommand, verifySetup, type Verification } from './verify-setup.js';
export { checkSetup } from './check-setup.js';
export { discoverSetup, type DiscoverInput, type DiscoverOutcome } from './discover-setup.js';
