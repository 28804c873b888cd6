/**
 * Puts a setup script on top of a base, host-side: one commit in the source repository whose
 * tree is the base's with `.corral/setup.sh` (mode 755) put in, made with a temporary index
 * (the developer's index and tree are never touched). A verification sandbox starts from it
 * with the base's history only, so the script finds what the base holds and nothing an agent
 * left elsewhere. The commit is kept alive by the base ref its instance pins.
 */
import { corralIdentity, git, withTempIndex } from '../../workspace/index.js';
import { setupScriptPath } from './setup-script.js';

/** The commit `base` + the script; its id. */
export async function commitSetupScript(root: string, base: string, text: string): Promise<string> {
  return withTempIndex(async (env) => {
    const blob = (await git(root, ['hash-object', '-w', '--stdin'], { input: text })).stdout.trim();
    await git(root, ['read-tree', base], { env });
    await git(root, ['update-index', '--add', '--cacheinfo', `100755,${blob},${setupScriptPath}`], {
      env,
    });
    const tree = (await git(root, ['write-tree'], { env })).stdout.trim();
    const message = `corral: ${setupScriptPath} to verify`;
    const commit = await git(root, ['commit-tree', tree, '-p', base, '-m', message], {
      env: corralIdentity,
    });
    return commit.stdout.trim();
  });
}
