/**
 * The environment variables an agent's adapter names (its credentials and endpoints),
 * for what a request carries to the engine. Loaded only when asked: the adapters are not
 * part of every command's start-up.
 */
export async function agentEnvNames(agent: string): Promise<{
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
