/**
 * The environment `corral serve` lends the dashboard. A browser has none of the user's
 * environment: a resume of an agent from the page needs its model key, a push its git
 * token, an approved package's resume the agent's key again. The command that serves runs
 * in the user's shell; it sends the engine the variables the agents and pushes name (as
 * `corral run` and `corral push` would), the engine keeps them in memory while serving
 * (never on disk, never in a response) and fills them into the calls that arrive over TCP.
 * What a call carries itself wins.
 */
import type { EngineApi, RequestEnv } from '../engine/engine-api.js';

type Lender<K extends keyof EngineApi> = EngineApi[K] extends (...args: infer A) => unknown
  ? (args: A, fill: (env: RequestEnv) => RequestEnv) => A
  : never;

/** Each call that takes an environment, and where. */
const lenders: { [K in keyof EngineApi]?: Lender<K> } = {
  createInstance: ([input], fill) => [{ ...input, env: fill(input.env) }],
  startInstance: ([ref, env], fill) => [ref, fill(env)],
  resumeInstance: ([ref, input], fill) => [ref, { ...input, env: fill(input.env) }],
  push: ([ref, input], fill) => [ref, { ...input, env: fill(input.env) }],
  approveRequest: ([ref, n, options], fill) => [ref, n, { ...options, env: fill(options.env) }],
  startBattle: ([input], fill) => [{ ...input, env: fill(input.env) }],
  resumeBattle: ([id, env], fill) => [id, fill(env)],
  proposeBattle: ([id, input], fill) => [id, { ...input, env: fill(input.env) }],
};

/** `engine`, with `lent()` under the environment of every call that takes one. */
export function lendEnvironment(engine: EngineApi, lent: () => RequestEnv): EngineApi {
  const fill = (env: RequestEnv | undefined): RequestEnv => ({ ...lent(), ...(env ?? {}) });
  return new Proxy(engine, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      const lender = lenders[name as keyof EngineApi] as
        ((args: unknown[], fill: (env: RequestEnv) => RequestEnv) => unknown[]) | undefined;
      return (...args: unknown[]) =>
        (value as (...a: unknown[]) => unknown).apply(target, lender ? lender(args, fill) : args);
    },
  });
}
