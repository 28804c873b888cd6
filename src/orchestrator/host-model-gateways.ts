/**
 * The local backend's keeper of keys: the same model-API gateway the docker fence runs in
 * its sidecar, run here, in the supervisor process, on the host's loopback, one per API
 * the agent uses. The agent gets its address (which sandbox-runtime's proxy lets it
 * reach, like any allowed host) and the placeholder key; the real key stays in this
 * process, which the sandbox cannot see (bubblewrap gives it its own pid namespace and
 * /proc). Each call it forwards is metered into the instance's usage.log, and held to the
 * instance's model policy and budget like the sidecar's (one spend for all its APIs).
 */
import { CallPacer } from '../gateway/call-pacer.js';
import { startModelGateway, type ModelGateway } from '../gateway/model-gateway.js';
import type { ModelPolicy, ModelSpent } from '../protocol/model-policy.js';
import { ModelSpend } from '../gateway/model-spend.js';
import type { PriceTable } from '../gateway/usage-cost.js';
import type { ModelRoute } from './fence-launch.js';

export interface HostModelGateways {
  /** The agent's endpoint variables, pointing at the gateways. */
  endpoints: Record<string, string>;
  close(): Promise<void>;
}

export async function startHostModelGateways(options: {
  routes: ModelRoute[];
  /** The real key of the agent's credential (one key serves its one API). */
  key: string;
  usageLogPath: string;
  prices?: PriceTable;
  policy: ModelPolicy;
  spent: ModelSpent;
  onError?: (message: string) => void;
}): Promise<HostModelGateways> {
  const started: ModelGateway[] = [];
  const endpoints: Record<string, string> = {};
  const spend = new ModelSpend(options.policy.budget, options.spent);
  const rpm = options.policy.budget.rpm;
  const pacer = rpm ? new CallPacer(rpm) : undefined;
  const closeAll = async (): Promise<void> => {
    // Calls waiting for their turn are answered before the gateways go.
    pacer?.close();
    await Promise.all(started.map((g) => g.close()));
  };
  try {
    for (const route of options.routes) {
      const gateway = await startModelGateway({
        api: route.api,
        upstream: route.upstream,
        key: options.key,
        host: '127.0.0.1',
        port: 0,
        usageLogPath: options.usageLogPath,
        pathPrefix: route.path,
        policy: options.policy,
        spend,
        ...(pacer ? { pacer } : {}),
        ...(options.prices ? { prices: options.prices } : {}),
        ...(options.onError ? { onError: options.onError } : {}),
      });
      started.push(gateway);
      endpoints[route.endpointVar] = `http://127.0.0.1:${gateway.port}${route.path}`;
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return { endpoints, close: closeAll };
}
