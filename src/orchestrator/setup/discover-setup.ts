/**
 * `corral setup --discover`: an agent writes `.corral/setup.sh`, then the script alone is
 * verified in a fresh sandbox from the agent's base (verify-setup.ts), and only a script
 * that exits 0 there goes into the developer's tree. The script is read host-side from the
 * agent's branch in the source repository (git reads a blob; nothing in the workspace the
 * agent touched is run or read). Whatever happens, the agent's branch stays: a script that
 * failed, or was not taken, can still be read there.
 */
import { join } from 'node:path';
import { CorralError, isCorralError } from '../../lib/errors.js';
import type { ModelPolicy } from '../../protocol/model-policy.js';
import type { Metadata } from '../../state/index.js';
import { getBaseTip, loadSourceRepo } from '../../workspace/index.js';
import { keepSetupScript, refuseOtherSetupScript } from './keep-setup.js';
import type { SetupInstances, SetupRunOptions } from './setup-instances.js';
import { isSetupScriptIgnored, loadCommittedSetupScript, setupScriptPath } from './setup-script.js';
import { verifySetup } from './verify-setup.js';

export interface DiscoverInput extends SetupRunOptions {
  agent: string;
  prompt: string;
  modelPolicy: ModelPolicy;
  /** Replace a different `.corral/setup.sh` in the tree. */
  force: boolean;
}

export type DiscoverOutcome =
  | { kind: 'canceled'; agent: Metadata; check: Metadata | null }
  | {
      kind: 'verified';
      agent: Metadata;
      check: Metadata;
      script: string;
      ok: boolean;
      /** Where the script is kept (or would have been); whether it was written now. */
      path: string;
      written: boolean;
    };

export async function discoverSetup(
  instances: SetupInstances,
  input: DiscoverInput,
  onProgress: (line: string) => void = () => undefined,
): Promise<DiscoverOutcome> {
  const repo = await loadSourceRepo(input.repoDir);
  // Refused before the agent spends anything (a different script, again before writing).
  await refuseOtherSetupScript(repo.root, input.force);
  if (await isSetupScriptIgnored(repo.root)) {
    throw new CorralError(
      'USAGE',
      `git ignores ${setupScriptPath} in ${repo.root}, so an agent's script would not come back on its branch (nor reach a battle's sandboxes).`,
      {
        hint: `Stop ignoring it (git check-ignore -v ${setupScriptPath} shows the rule), then run again.`,
      },
    );
  }
  const agent = await instances.run({
    repoDir: repo.root,
    agent: input.agent,
    command: [],
    prompt: input.prompt,
    backend: input.backend,
    ...(input.image !== undefined ? { image: input.image } : {}),
    keep: false,
    interactive: false,
    limits: input.limits,
    ...(input.allowHosts.length ? { allowHosts: input.allowHosts } : {}),
    ...(input.allowPresets.length ? { allowPresets: input.allowPresets } : {}),
    timeoutMs: input.timeoutMs,
    modelPolicy: input.modelPolicy,
  });
  if (agent.status === 'canceled') return { kind: 'canceled', agent, check: null };
  if (agent.bringBack?.error) {
    throw new CorralError(
      'BRING_BACK_FAILED',
      `The work of ${agent.id} could not be brought back, so its ${setupScriptPath} cannot be read.`,
      { hint: `It is kept in its workspace: corral logs ${agent.id}.` },
    );
  }
  const script = await loadCommittedSetupScript(repo.root, agent.branch).catch((error: unknown) => {
    if (!isCorralError(error) || error.code !== 'SETUP_MISSING') throw error;
    throw new CorralError(
      'SETUP_MISSING',
      `${agent.id} (${agent.status}) left no usable ${setupScriptPath}: ${error.message}`,
      { hint: `See what it did with corral logs ${agent.id}.` },
    );
  });
  // An agent stopped short (timed out, over budget) may still have written a good script.
  const ended = agent.status === 'succeeded' ? '' : ` (it ended ${agent.status})`;
  onProgress(
    `corral: ${agent.id} wrote ${setupScriptPath}${ended}; verifying it in a fresh sandbox from its base`,
  );
  const { check, ok } = await verifySetup(instances, {
    ...input,
    repoDir: repo.root,
    // The backend the agent ran on, so `auto` does not pick another.
    backend: agent.backend,
    sourceRoot: repo.root,
    base: getBaseTip(agent.base),
    script: script.text,
  });
  if (check.status === 'canceled') return { kind: 'canceled', agent, check };
  if (!ok) {
    const path = join(repo.root, setupScriptPath);
    return { kind: 'verified', agent, check, script: script.text, ok, path, written: false };
  }
  const kept = await keepSetupScript(repo.root, script.text, {
    force: input.force,
    hint: `The verified script is on ${agent.branch}: git checkout ${agent.branch} -- ${setupScriptPath}`,
  });
  return { kind: 'verified', agent, check, script: script.text, ok, ...kept };
}
