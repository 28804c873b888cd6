/**
 * Turns an instance plan into its Compose spec: plan in, spec out, no I/O. This is where the
 * docker backend's fence is drawn. The agent container sits only on an `internal` network
 * (no route off it), whose one other member is the gateway, also on an `outbound` network;
 * without a gateway the agent has no network at all. The agent's proxy and model-API
 * variables point at the gateway by service name, but nothing depends on the agent
 * honouring them: the topology is the fence.
 *
 * The agent container mirrors container-spec.ts: an idle keeper under docker-init as its
 * own uid, every command run through exec as the sandbox user, read-only root with /tmp
 * (and HOME inside it) on a tmpfs, no capabilities, no-new-privileges, limits, and the
 * workspace as its only host path, all taken from hardening.ts. A plan can weaken each of
 * those for the agent only by naming it in `relax` (the gateway stays fully hardened);
 * anything else unsafe (root, a keeper sharing the agent's uid, a key's value in the
 * environment) is refused with a CorralError.
 */
import { basename, isAbsolute } from 'node:path';
import { CorralError } from '../../../lib/errors.js';
import type { Limits } from '../../../state/index.js';
import { labelKeys } from '../../labels.js';
import { execUserLabel, getKeeperOwner } from '../container-spec.js';
import {
  checkMounts,
  checkUser,
  containerHome,
  containerWorkdir,
  getHardening,
  type Hardening,
} from '../hardening.js';
import type { Owner } from '../workspace-owner.js';
import type { ComposeNetwork, ComposeService, ComposeSpec, ComposeVolume } from './compose-spec.js';
import {
  agentService,
  gatewayConfigPath,
  gatewayLogDir,
  gatewayPolicyDir,
  gatewayService,
  internalNetwork,
  outboundNetwork,
  type GatewayPlan,
  type InstancePlan,
  type Relaxations,
} from './instance-plan.js';

/** The name under which the gateway reaches the host (a model server on its loopback). */
export const dockerHostAlias = 'host.docker.internal';

const defaultGatewayLimits: Limits = { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 };

/** What Compose accepts as a project name in both v1 and v2 (v1 would silently rewrite others). */
const projectNamePattern = /^[a-z0-9][a-z0-9_-]*$/;
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

function refuse(message: string, hint?: string): never {
  throw new CorralError('USAGE', message, hint ? { hint } : {});
}

function userString(owner: Owner): string {
  return `${owner.uid}:${owner.gid}`;
}

function checkPlan(plan: InstancePlan, relax: Relaxations, h: Hardening, keeper: Owner): void {
  if (!projectNamePattern.test(plan.instanceId)) {
    refuse(
      `The instance id ${JSON.stringify(plan.instanceId)} is not a valid Compose project name.`,
      'Use lowercase letters, digits, "-" and "_", starting with a letter or digit.',
    );
  }
  if (!isAbsolute(plan.workspaceDir)) {
    refuse(`The workspace path ${plan.workspaceDir} is not absolute.`);
  }
  checkUser(relax, 'sandbox user', plan.user);
  checkUser(relax, 'sandbox user', h.execUser);
  // The keeper is never root: no relaxation gives uid 0 to the idle main process.
  checkUser({}, 'keeper', keeper);
  checkMounts(relax, h.mounts);
  if (keeper.uid === h.execUser.uid) {
    refuse(
      `The keeper and the sandbox user share uid ${keeper.uid}, so the agent could end the sandbox.`,
    );
  }
}

function checkGateway(plan: InstancePlan, gateway: GatewayPlan): void {
  if (!isAbsolute(gateway.configFile) || !isAbsolute(gateway.policyDir)) {
    refuse('The gateway config file and policy dir must be absolute paths.');
  }
  for (const file of gateway.logFiles ?? []) {
    if (!isAbsolute(file)) refuse(`The gateway log file ${file} is not an absolute path.`);
  }
  // The gateway holds the real keys: the agent's --unsafe-root is not its to share.
  checkUser({}, 'gateway', gateway.user ?? plan.user);
  for (const name of gateway.secretEnvNames) {
    if (!envNamePattern.test(name)) refuse(`${JSON.stringify(name)} is not a variable name.`);
    // A value given here would be written into compose.yml, or reach the agent.
    if (name in plan.env || name in (gateway.env ?? {})) {
      refuse(
        `The secret ${name} has a value in the plan; secrets are passed to the gateway by name only.`,
      );
    }
  }
  for (const port of [gateway.proxyPort, gateway.apiPort]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) refuse(`Port ${port} is not a port.`);
  }
}

/** The fields every corral container shares: its hardening as Compose spells it, and labels. */
function hardened(
  h: Hardening,
  labels: Record<string, string>,
): Pick<
  ComposeService,
  | 'labels'
  | 'tmpfs'
  | 'read_only'
  | 'cap_drop'
  | 'cap_add'
  | 'group_add'
  | 'security_opt'
  | 'privileged'
  | 'mem_limit'
  | 'memswap_limit'
  | 'cpus'
  | 'pids_limit'
  | 'init'
  | 'ipc'
  | 'restart'
> {
  return {
    labels,
    tmpfs: [`${h.tmpfs.path}:${h.tmpfs.options}`],
    read_only: h.readOnlyRoot,
    cap_drop: h.capDrop,
    ...(h.capAdd.length ? { cap_add: h.capAdd } : {}),
    ...(h.groupAdd.length ? { group_add: h.groupAdd.map(String) } : {}),
    ...(h.noNewPrivileges ? { security_opt: ['no-new-privileges'] } : {}),
    privileged: false,
    ...(h.limits
      ? {
          mem_limit: h.limits.memoryBytes,
          memswap_limit: h.limits.memoryBytes,
          cpus: h.limits.cpus,
          pids_limit: h.limits.pids,
        }
      : {}),
    init: true,
    ipc: 'private',
    restart: 'no',
  };
}

/** The agent's variables that send it through the gateway, by the gateway's service name. */
function gatewayEnv(gateway: GatewayPlan): Record<string, string> {
  const proxy = `http://${gatewayService}:${gateway.proxyPort}`;
  const noProxy = `localhost,127.0.0.1,::1,${gatewayService}`;
  const endpoints = Object.fromEntries(
    Object.entries(gateway.modelEndpoints ?? {}).map(([name, path]) => [
      name,
      `http://${gatewayService}:${gateway.apiPort}${path.startsWith('/') ? path : `/${path}`}`,
    ]),
  );
  // Both spellings: curl reads only the lowercase http_proxy, some tools only the uppercase.
  return {
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    NO_PROXY: noProxy,
    http_proxy: proxy,
    https_proxy: proxy,
    no_proxy: noProxy,
    ...endpoints,
  };
}

function renderAgent(plan: InstancePlan, h: Hardening, keeper: Owner): ComposeService {
  const volumes: ComposeVolume[] = [
    { type: 'bind', source: plan.workspaceDir, target: containerWorkdir, read_only: false },
    ...h.mounts.map((m): ComposeVolume => ({
      type: 'bind',
      source: m.source,
      target: m.target,
      read_only: m.readOnly,
    })),
  ];
  const labels = {
    ...plan.labels,
    [labelKeys.service]: agentService,
    [execUserLabel]: userString(h.execUser),
  };
  return {
    image: plan.image,
    // Both set, so an image's own ENTRYPOINT/CMD cannot replace the keeper.
    entrypoint: ['sleep'],
    command: ['infinity'],
    user: userString(keeper),
    working_dir: containerWorkdir,
    environment: {
      HOME: containerHome,
      ...plan.env,
      ...(plan.gateway ? gatewayEnv(plan.gateway) : {}),
    },
    volumes,
    ...hardened(h, labels),
    ...(plan.gateway
      ? {
          networks: [internalNetwork],
          depends_on: [gatewayService],
          // IPv6 link-local addresses would reach the bridge (and so the host) whatever IPv4 does.
          sysctls: { 'net.ipv6.conf.all.disable_ipv6': '1' },
        }
      : { network_mode: 'none' }),
  };
}

function renderGateway(plan: InstancePlan, gateway: GatewayPlan) {
  const secrets = Object.fromEntries(gateway.secretEnvNames.map((name) => [name, null]));
  return {
    image: gateway.image,
    // With an entrypoint given, the engine does not append the image's CMD.
    entrypoint: gateway.command,
    user: userString(gateway.user ?? plan.user),
    environment: { ...gateway.env, ...secrets },
    volumes: [
      { type: 'bind', source: gateway.configFile, target: gatewayConfigPath, read_only: true },
      { type: 'bind', source: gateway.policyDir, target: gatewayPolicyDir, read_only: true },
      ...(gateway.logFiles ?? []).map((file): ComposeVolume => ({
        type: 'bind',
        source: file,
        target: `${gatewayLogDir}/${basename(file)}`,
        read_only: false,
      })),
    ],
    // The agent's relaxations never weaken the gateway, which holds the real keys.
    ...hardened(getHardening({}, gateway.limits ?? defaultGatewayLimits, plan.user), {
      ...plan.labels,
      [labelKeys.service]: gatewayService,
    }),
    networks: [internalNetwork, outboundNetwork],
    // A model server on the developer's machine (a loopback base URL) is reached here.
    extra_hosts: [`${dockerHostAlias}:host-gateway`],
  } satisfies ComposeService;
}

/**
 * The Compose spec of one instance. Throws a CorralError (USAGE) for a plan that is unsafe
 * without saying so in `relax`.
 *
 * @example
 * renderComposeSpec({ instanceId: 'shell-k3x9q', image: 'corral-sandbox:9d40424bde43',
 *   workspaceDir: '/home/me/.corral/instances/shell-k3x9q/workspace',
 *   user: { uid: 1000, gid: 1000 }, env: {}, labels: {},
 *   limits: { memoryBytes: 2 ** 31, cpus: 2, pids: 512 } }).services.agent.network_mode // 'none'
 */
export function renderComposeSpec(plan: InstancePlan): ComposeSpec {
  const relax = plan.relax ?? {};
  const h = getHardening(relax, plan.limits, plan.user, plan.extraMounts, plan.groupAdd);
  const keeper = plan.keeper ?? getKeeperOwner(h.execUser);
  checkPlan(plan, relax, h, keeper);
  const agent = renderAgent(plan, h, keeper);
  if (!plan.gateway) return { services: { [agentService]: agent } };
  checkGateway(plan, plan.gateway);
  const networks: Record<string, ComposeNetwork> = {
    [internalNetwork]: {
      internal: true,
      // An internal bridge still has an address on the host, which makes every host service
      // listening on it (or on 0.0.0.0) reachable from the agent (moby/libnetwork#1151).
      // Without it the host has no foot in the network; containers on it still talk.
      driver_opts: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
      labels: { ...plan.labels },
      ...(plan.internalSubnet ? { ipam: { config: [{ subnet: plan.internalSubnet }] } } : {}),
    },
    // An existing network is joined as is: Compose neither labels, creates nor removes it.
    [outboundNetwork]: plan.gateway.outboundNetworkName
      ? { external: true, name: plan.gateway.outboundNetworkName }
      : { labels: { ...plan.labels } },
  };
  return {
    services: {
      [gatewayService]: renderGateway(plan, plan.gateway),
      [agentService]: agent,
    },
    networks,
  };
}
