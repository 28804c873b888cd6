/**
 * The battle driver's seam (orchestrator/battles/battle-instances.ts) over the engine's
 * services: contestants and grading runs are detached runs the engine supervises, so a
 * battle whose driver is gone loses none of them (`battle resume` waits for them again).
 * Each start carries the credentials the battle's command sent along (kept in memory only,
 * for as long as the battle is driven).
 */
import type { BattleInstances } from '../orchestrator/battles/battle-instances.js';
import { isCorralError } from '../lib/errors.js';
import { isEnded } from '../state/metadata.js';
import type { EngineApi, RequestEnv } from './engine-api.js';

export function engineBattleInstances(engine: EngineApi, env: RequestEnv): BattleInstances {
  return {
    start: (request) => engine.createInstance({ request, env, start: true }),

    async find(name) {
      return engine.getInstance(name).catch((error: unknown) => {
        if (isCorralError(error) && error.code === 'INSTANCE_NOT_FOUND') return null;
        throw error;
      });
    },

    async waitForEnd(id, signal) {
      for (;;) {
        signal.throwIfAborted();
        const meta = await engine.getInstance(id);
        if (isEnded(meta.status)) return meta;
        const began = Date.now();
        await engine
          .followEvents(id, { after: -1, follow: true, signal }, () => undefined)
          .catch((error: unknown) => {
            if (!signal.aborted) throw error;
          });
        // The stream ended before the record says so: ask again in a moment, not at once.
        if (Date.now() - began < 200) await new Promise((r) => setTimeout(r, 200));
      }
    },

    async readOutput(id, maxChars) {
      let text = '';
      await engine.followOutput(id, { from: 0, follow: false }, (chunk) => {
        text += chunk.text;
        if (text.length > 2 * maxChars) text = text.slice(-maxChars);
      });
      return text.length > maxChars ? text.slice(-maxChars) : text;
    },

    async diff(id) {
      const { files, patch } = await engine.diff(id, { stat: false, color: false });
      return { files, patch };
    },

    async spent(id) {
      return (await engine.loadPolicy(id)).modelUsage.spent;
    },

    stop: (id) => engine.stopInstance(id),

    async remove(id, options) {
      await engine.removeInstance(id, { force: true, deleteBranch: options.deleteBranch });
    },
  };
}
