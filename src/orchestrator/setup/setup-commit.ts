/**
 * Puts a setup script on top of a base, host-side: one commit in the source repository whose
 * tree is the base's with `.corral/setup.sh` (mode 755) put in, made with a temporary index
 * (the developer's index and tree are never touched). A verification sandbox starts from it
 * with the base's history only, so the script finds what the base holds and nothing an agent
 * left elsewhere. The commit is kept alive by the base ref its instance pins.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '../../workspace/index.js';
import { setupScriptPath } from './setup-script.js';

const identity = {
  GIT_AUTHOR_NAME: 'corral',
  GIT_AUTHOR_EMAIL: 'corral@localhost',
  GIT_COMMITTER_NAME: 'corral',
  GIT_COMMITTER_EMAIL: 'corral@localhost',
};

/** The commit `base` + the script; its id. */
export async function commitSetupScript(root: string, base: string, text: string): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'corral-setup-index-'));
  try {
    const env = { GIT_INDEX_FILE: join(tmp, 'index') };
    const blob = (await git(root, ['hash-object', '-w', '--stdin'], { input: text })).stdout.trim();
    await git(root, ['read-tree', base], { env });
    await git(root, ['update-index', '--add', '--cacheinfo', `100755,${blob},${setupScriptPath}`], {
      env,
    });
    const tree = (await git(root, ['write-tree'], { env })).stdout.trim();
    const message = `corral: ${setupScriptPath} to verify`;
    const commit = await git(root, ['commit-tree', tree, '-p', base, '-m', message], {
      env: identity,
    });
    return commit.stdout.trim();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
