/** Every registered adapter passes the agent contract. */
import { listAgents } from './index.js';
import { describeAgentContract } from './agent.contract.js';

for (const adapter of listAgents()) describeAgentContract(adapter);
