/**
 * The shell agent: any command, run as given. Its output is not structured, so each line
 * of stdout is kept as a `raw` event (empty lines aside); nothing needs credentials or a
 * network.
 */
import type { AgentAdapter } from '../agent.js';
import { rawEvent } from '../raw-event.js';

export const shellAgent: AgentAdapter = {
  name: 'shell',
  binary: null,
  credentials: [],
  endpointVars: [],
  needsNetwork: false,
  launch(request) {
    return { argv: request.args, env: {}, files: [] };
  },
  createParser() {
    return {
      line: (line) => (line.text.length === 0 && !line.truncated ? [] : [rawEvent(line)]),
      end: () => [],
    };
  },
};
