/**
 * The part of the Compose file format corral writes: a project of services and networks,
 * with only fields that `docker-compose` 1.29 (v1, reading a file with no `version` as the
 * Compose Spec) and `docker compose` v2 both understand. Values are literal; the file
 * writer escapes what Compose would otherwise interpolate.
 */

export interface ComposeVolume {
  type: 'bind';
  source: string;
  target: string;
  read_only: boolean;
}

export interface ComposeService {
  image: string;
  entrypoint?: string[];
  command?: string[];
  user: string;
  working_dir?: string;
  /** A null value is taken from Compose's own environment (a secret passed by name). */
  environment: Record<string, string | null>;
  labels: Record<string, string>;
  volumes: ComposeVolume[];
  tmpfs: string[];
  read_only: boolean;
  cap_drop?: string[];
  cap_add?: string[];
  group_add?: string[];
  security_opt?: string[];
  privileged: false;
  mem_limit?: number;
  memswap_limit?: number;
  cpus?: number;
  pids_limit?: number;
  init: true;
  ipc: 'private';
  restart: 'no';
  network_mode?: 'none';
  networks?: string[];
  depends_on?: string[];
  sysctls?: Record<string, string>;
  /** `name:address` lines for /etc/hosts; `host-gateway` is the host as the engine sees it. */
  extra_hosts?: string[];
}

export interface ComposeNetwork {
  internal?: true;
  /** A fixed subnet instead of one from the engine's default pools. */
  ipam?: { config: Array<{ subnet: string }> };
  driver_opts?: Record<string, string>;
  labels?: Record<string, string>;
  /** An existing engine network, joined by its engine `name`, never created or removed. */
  external?: true;
  name?: string;
}

export interface ComposeSpec {
  services: Record<string, ComposeService>;
  networks?: Record<string, ComposeNetwork>;
}
