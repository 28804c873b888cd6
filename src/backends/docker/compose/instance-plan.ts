/**
 * What one docker instance is made of, as plain data: the agent container (image, the one
 * host path it sees, who it runs as, its environment and limits) and, optionally, the
 * gateway sidecar that is its only way out. renderComposeSpec turns a plan into a Compose
 * spec; nothing here touches the engine.
 *
 * Every hardening item is on unless the plan says otherwise in `relax`, by name, so a
 * weaker sandbox is always a visible decision in the plan rather than a missing field.
 */
import type { HostMount, Limits, Relaxations } from '../../../state/index.js';
import type { Owner } from '../workspace-owner.js';

/** The Compose service names; the agent reaches the gateway by this host name. */
export const agentService = 'agent';
export const gatewayService = 'gateway';
export type ServiceName = typeof agentService | typeof gatewayService;

/** The Compose network names (the engine's are `<project>_<name>`). */
export const internalNetwork = 'internal';
export const outboundNetwork = 'outbound';

/** Where the gateway finds its config file and the instance's live `policy/` dir. */
export const gatewayConfigPath = '/etc/corral/gateway/config.json';
export const gatewayPolicyDir = '/etc/corral/gateway/policy';
/** Where the gateway's writable log files (egress.log, usage.log) appear. */
export const gatewayLogDir = '/var/log/corral';

/** Hardening a plan may switch off, one item at a time (absent means hardened); see hardening.ts. */
export type { HostMount, Relaxations };

export interface GatewayPlan {
  image: string;
  /** The gateway's argv (replaces the image's entrypoint). */
  command: string[];
  /** Host path of its config file, mounted read-only at `gatewayConfigPath`. */
  configFile: string;
  /** Host path of the instance's `policy/` dir, mounted read-only at `gatewayPolicyDir`. */
  policyDir: string;
  /**
   * Names of the variables holding the real keys. Compose takes their values from its own
   * environment when it starts the gateway (ComposeProject's `secrets`), so no value is
   * ever written into compose.yml.
   */
  secretEnvNames: string[];
  /**
   * Host paths of files the gateway appends to (egress.log, usage.log), each mounted
   * writable at `gatewayLogDir/<its name>`; the files must exist.
   */
  logFiles?: string[];
  /**
   * An existing engine network to use as the gateway's way out instead of a network of the
   * project's own (e.g. one where a model server runs as a container).
   */
  outboundNetworkName?: string;
  /** Non-secret environment of the gateway. */
  env?: Record<string, string>;
  /** Port of the egress proxy; the agent's HTTP(S)_PROXY. */
  proxyPort: number;
  /** Port of the model-API gateway. */
  apiPort: number;
  /** Agent variable → path on the API port, e.g. `{ ANTHROPIC_BASE_URL: '/anthropic' }`. */
  modelEndpoints?: Record<string, string>;
  /** Who the gateway runs as, never root; by default the sandbox user (who owns the state dir). */
  user?: Owner;
  /** By default 512 MiB, 1 CPU, 256 processes. */
  limits?: Limits;
}

export interface InstancePlan {
  /** The instance id; also the Compose project name. */
  instanceId: string;
  /** The sandbox image the agent container runs. */
  image: string;
  /** Absolute host path of the workspace; the only host path the agent sees. */
  workspaceDir: string;
  /**
   * The workspace owner: who every command (exec) runs as, unless `relax.rootUser` (then
   * uid 0), and who the gateway runs as by default.
   */
  user: Owner;
  /** Who the idle main process runs as; by default a uid distinct from `user`. */
  keeper?: Owner;
  env: Record<string, string>;
  limits: Limits;
  /** Labels put on every container and network (keys from labels.ts). */
  labels: Record<string, string>;
  /** No gateway: the agent has no network at all. */
  gateway?: GatewayPlan;
  /**
   * The internal network's subnet (internal-subnet.ts picks it from corral's own range),
   * instead of one from the engine's default pools, which hold about 30 networks in all.
   */
  internalSubnet?: string;
  /** Hardening of the agent container switched off; the gateway is always fully hardened. */
  relax?: Relaxations;
  /**
   * Host paths besides the workspace; refused unless `relax.hostMounts` (the engine's
   * socket: `relax.dockerSocket`).
   */
  extraMounts?: HostMount[];
  /** Supplementary groups of the agent's commands (the engine socket's, when mounted). */
  groupAdd?: number[];
}
