/**
 * The gateway sidecar assembled from its config: the live policy watcher, the egress
 * proxy asking it, one model gateway per configured API, and the requests server where
 * the agent asks for hosts and packages, started together and stopped together; with
 * `clients`, all three serve the agent alone (client-guard.ts). `main.ts` wraps this in a
 * process; tests can run it in-process.
 */
import type { Socket } from 'node:net';
import { CallPacer } from './call-pacer.js';
import { createClientGuard } from './client-guard.js';
import { startEgressProxy, type EgressProxy } from './egress-proxy.js';
import type { EgressRecord } from '../protocol/egress-record.js';
import type { GatewayConfig } from './gateway-config.js';
import { isHostAllowed } from './host-pattern.js';
import type { ModelDenialRecord } from '../protocol/model-denial-record.js';
import { startModelGateway, type ModelGateway } from './model-gateway.js';
import { openModelPolicy } from '../protocol/model-policy.js';
import { ModelSpend } from './model-spend.js';
import { appliedPolicyWriter } from './applied-policy.js';
import { watchEgressPolicy, type PolicyWatcher } from './policy-watcher.js';
import type { RequestRecord } from './request-record.js';
import { startRequestServer, type RequestServer } from './request-server.js';
import type { EgressPolicy } from './egress-policy.js';
import type { UsageRecord } from '../protocol/usage-record.js';

export interface GatewayHooks {
  onEgress?: (record: EgressRecord) => void;
  onUsage?: (record: UsageRecord) => void;
  onDenied?: (record: ModelDenialRecord) => void;
  onPolicy?: (policy: EgressPolicy) => void;
  onRequest?: (record: RequestRecord) => void;
  /** Problems worth a log line: an invalid policy, a log that cannot be written, an upstream error. */
  onWarning?: (message: string) => void;
  /** Tests only: how the proxy resolves names. */
  resolve?: (host: string) => Promise<string>;
}

export interface RunningGateway extends AsyncDisposable {
  egress: EgressProxy;
  models: Array<{ api: string; url: string; port: number }>;
  /** null when the config has no `requests`. */
  requests: RequestServer | null;
  /** Re-reads the policy file now (SIGHUP). */
  reloadPolicy(): Promise<void>;
  close(): Promise<void>;
}

export async function startGateway(
  config: GatewayConfig,
  keys: ReadonlyMap<string, string>,
  hooks: GatewayHooks = {},
): Promise<RunningGateway> {
  const guard = config.clients
    ? createClientGuard(config.clients, {
        onRefused: (address) =>
          hooks.onWarning?.(`refused a connection from ${address}: only the agent may connect`),
      })
    : undefined;
  const onConnection = guard ? { onConnection: (socket: Socket) => guard.check(socket) } : {};
  const stack: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const stop of stack.splice(0).reverse()) await stop();
  };
  try {
    // Said once both files are first read, then on each change of either.
    let started = false;
    const applied = config.egress.appliedPath
      ? appliedPolicyWriter(config.egress.appliedPath, (m) => hooks.onWarning?.(m))
      : undefined;
    const sayApplied = () =>
      applied?.say({ policy: policy.current().allow, setup: setup?.current().allow ?? [] });
    const policy: PolicyWatcher = await watchEgressPolicy({
      path: config.egress.policyPath,
      pollMs: config.egress.pollMs,
      watch: config.egress.watch,
      onChange: (p) => {
        hooks.onPolicy?.(p);
        if (started) sayApplied();
      },
      onError: hooks.onWarning,
    });
    stack.push(() => policy.close());
    // The setup's hosts: allowed besides the policy while the sandbox is prepared.
    const setup = config.egress.setupPolicyPath
      ? await watchEgressPolicy({
          path: config.egress.setupPolicyPath,
          pollMs: config.egress.pollMs,
          watch: config.egress.watch,
          onChange: () => {
            if (started) sayApplied();
          },
          onError: hooks.onWarning,
        })
      : undefined;
    if (setup) stack.push(() => setup.close());
    started = true;
    sayApplied();
    // Ready means the record is there: the supervisor reads it from the start.
    await applied?.settled();
    const egress = await startEgressProxy({
      host: config.listenHost,
      port: config.egress.port,
      allows: (host, port) =>
        isHostAllowed(policy.current().allow, host, port) ||
        (setup !== undefined && isHostAllowed(setup.current().allow, host, port)),
      logPath: config.egress.logPath,
      onRecord: hooks.onEgress,
      onError: hooks.onWarning,
      resolve: hooks.resolve,
      ...onConnection,
    });
    stack.push(() => egress.close());
    const models: RunningGateway['models'] = [];
    // One spend and one pace for the instance, whichever of its APIs a call goes to.
    const modelPolicy = config.modelPolicy ?? openModelPolicy;
    const spend = new ModelSpend(modelPolicy.budget, config.spent);
    const pacer = modelPolicy.budget.rpm ? new CallPacer(modelPolicy.budget.rpm) : undefined;
    for (const route of config.models) {
      const key = keys.get(route.keyEnv);
      if (key === undefined) throw new Error(`no key loaded for ${route.keyEnv}`);
      const gateway: ModelGateway = await startModelGateway({
        api: route.api,
        upstream: route.upstream,
        key,
        auth: route.auth,
        host: config.listenHost,
        port: route.port,
        usageLogPath: config.usageLogPath,
        onUsage: hooks.onUsage,
        onDenied: hooks.onDenied,
        onError: hooks.onWarning,
        prices: config.prices,
        pathPrefix: route.pathPrefix,
        policy: modelPolicy,
        spend,
        ...(pacer ? { pacer } : {}),
        ...onConnection,
      });
      stack.push(() => gateway.close());
      models.push({ api: route.api, url: gateway.url, port: gateway.port });
    }
    // Closed first (the stack unwinds backwards): waiting calls are answered, then the servers go.
    if (pacer) stack.push(() => Promise.resolve(pacer.close()));
    let requests: RequestServer | null = null;
    if (config.requests) {
      const server = await startRequestServer({
        host: config.listenHost,
        port: config.requests.port,
        logPath: config.requests.logPath,
        answersPath: config.requests.answersPath,
        onRecord: hooks.onRequest,
        onError: hooks.onWarning,
        ...onConnection,
      });
      stack.push(() => server.close());
      requests = server;
    }
    // Ready only once the agent is known: until then nobody may connect.
    await guard?.ready();
    return {
      egress,
      models,
      requests,
      reloadPolicy: async () => {
        await policy.reload();
        await setup?.reload();
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
