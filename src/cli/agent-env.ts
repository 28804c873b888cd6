/**
 * What a request carries to the engine from this environment for the agents it may run:
 * the variables each agent's adapter names (its credentials and endpoints) and the few
 * settings every run takes (engine-connect.ts). The adapters are loaded only when asked:
 * they are not part of every command's start-up.
 */
import type { RequestEnv } from '../engine/engine-api.js';
import { pickSetupEnv } from '../orchestrator/run/setup-env.js';
import type { Metadata } from '../state/index.js';
import { requestEnv } from './engine-connect.js';

/** The variables `agents` name, from this environment, in one set. */
export async function agentRequestEnv(agents: Iterable<string>): Promise<RequestEnv> {
  const env: RequestEnv = {};
  for (const agent of new Set(agents)) Object.assign(env, requestEnv(await agentEnvNames(agent)));
  return env;
}

/**
 * What a request to run `instance` again carries: its agent's variables and its setup's
 * (`--setup-env`, by the names its record keeps); a setup variable missing here is a
 * one-line error before anything starts.
 */
export async function instanceRequestEnv(
  instance: Pick<Metadata, 'agent' | 'setup'>,
): Promise<RequestEnv> {
  const setupEnv = pickSetupEnv(instance.setup?.env ?? [], process.env);
  return { ...(await agentRequestEnv([instance.agent])), ...setupEnv };
}

async function agentEnvNames(agent: string): Promise<{
  credentials: readonly (readonly string[])[];
  endpointVars: readonly string[];
}> {
  const { getAgent } = await import('../agents/index.js');
  // An unknown agent is the engine's to refuse, with its one clear line.
  try {
    return getAgent(agent);
  } catch {
    return { credentials: [], endpointVars: [] };
  }
}
