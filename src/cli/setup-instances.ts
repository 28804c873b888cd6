/**
 * The setup flows' seam (orchestrator/setup/setup-instances.ts) over the engine's API: each
 * run is created, watched and started like `corral run`'s, its output and summary shown on
 * stderr (stdout carries the setup's result), Ctrl-C stopping it with its work kept. Each
 * start carries the credentials its agent names from this command's environment.
 */
import type { EngineApi } from '../engine/engine-api.js';
import type { SetupInstances } from '../orchestrator/setup/index.js';
import { agentRequestEnv } from './agent-env.js';
import type { CommandContext } from './context.js';
import { describeEgress } from './egress-text.js';
import { runInForeground } from './foreground.js';
import { progress } from './output.js';

export function engineSetupInstances(engine: EngineApi, ctx: CommandContext): SetupInstances {
  return {
    async run(request) {
      const env = await agentRequestEnv([request.agent]);
      const created = await engine.createInstance({ request, env, start: false });
      progress(
        `corral: ${created.id} on ${created.backend}, branch ${created.branch}, ${describeEgress(created)}`,
      );
      const { metadata } = await runInForeground(engine, created, {
        json: false,
        interactive: false,
        env,
        workspace: ctx.workspaceOf(created.id),
        step: true,
      });
      return metadata;
    },
  };
}
