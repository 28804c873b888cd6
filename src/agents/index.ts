/** Agents: the seam and the registry of adapters by name. */
import { CorralError } from '../lib/errors.js';
import { agentNames, type AgentAdapter, type AgentName } from './agent.js';
import { claudeCodeAgent } from './claude-code/claude-code-agent.js';
import { codexAgent } from './codex/codex-agent.js';
import { fakeAgent } from './fake/fake-agent.js';
import { geminiAgent } from './gemini/gemini-agent.js';
import { shellAgent } from './shell/shell-agent.js';

export * from './agent.js';

const registry: ReadonlyMap<AgentName, AgentAdapter> = new Map(
  [shellAgent, fakeAgent, claudeCodeAgent, codexAgent, geminiAgent].map((a) => [a.name, a]),
);

export function listAgents(): AgentAdapter[] {
  return [...registry.values()];
}

export function getAgent(name: string): AgentAdapter {
  const adapter = (agentNames as readonly string[]).includes(name)
    ? registry.get(name as AgentName)
    : undefined;
  if (!adapter) {
    throw new CorralError('USAGE', `'${name}' is not an agent corral knows.`, {
      hint: `Use one of: ${[...registry.keys()].join(', ')}.`,
    });
  }
  return adapter;
}
