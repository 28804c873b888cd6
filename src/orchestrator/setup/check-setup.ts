/**
 * `corral setup --check`: verifies the working tree's `.corral/setup.sh` the way
 * `--discover` verifies an agent's (verify-setup.ts), from a base that is the developer's
 * tree as `corral run` takes it (HEAD plus uncommitted changes). A script git ignores is
 * verified all the same, with a warning: no sandbox of a battle would get it.
 */
import { CorralError } from '../../lib/errors.js';
import { getBaseTip, loadSourceRepo, snapshotBase } from '../../workspace/index.js';
import type { SetupInstances, SetupRunOptions } from './setup-instances.js';
import { isSetupScriptIgnored, loadWorkingSetupScript, setupScriptPath } from './setup-script.js';
import { verifySetup, type Verification } from './verify-setup.js';

export async function checkSetup(
  instances: SetupInstances,
  input: SetupRunOptions,
  onProgress: (line: string) => void = () => undefined,
): Promise<Verification & { path: string }> {
  const repo = await loadSourceRepo(input.repoDir);
  const script = await loadWorkingSetupScript(repo.root);
  if (script === null) {
    throw new CorralError('SETUP_MISSING', `${repo.root} has no ${setupScriptPath}.`, {
      hint: 'Write one, or let an agent do it: corral setup --discover --agent claude.',
    });
  }
  if (await isSetupScriptIgnored(repo.root)) {
    onProgress(
      `corral: warning: git ignores ${setupScriptPath}, so sandboxes started from this tree (a battle's) do not get it`,
    );
  }
  const base = getBaseTip(await snapshotBase(repo, {}));
  const verification = await verifySetup(instances, {
    ...input,
    repoDir: repo.root,
    sourceRoot: repo.root,
    base,
    script: script.text,
  });
  return { ...verification, path: script.source };
}
