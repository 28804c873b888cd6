/**
 * The fence of a local sandbox, as a sandbox-runtime settings file. It says "the sandbox
 * sees only its workspace" in bubblewrap's terms: every top-level directory of `/` is
 * hidden except the system ones programs need to start (/usr, /etc, …), then the
 * workspace is bound back. Hidden directories become empty tmpfs mounts, so /tmp is a
 * private scratch space that vanishes with the process. Secrets that live inside the
 * system directories (/etc/shadow, ssh host keys, sudoers) are hidden one by one, and the
 * user's home and corral's state root (other instances' workspaces, the settings files
 * themselves) are hidden even when they sit somewhere unusual. Writes go only to the
 * workspace; the network is off (no allowed domains, and bubblewrap removes the network
 * namespace, so not even the host's loopback is reachable) unless hosts are allowed, which
 * are then reached only through sandbox-runtime's filtering proxy.
 */
import type { SandboxRuntimeConfig } from '@anthropic-ai/sandbox-runtime';
import type { Dirent } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Top-level directories a sandboxed program needs to exec and link (usr-merged or not;
 * /nix is NixOS's /usr). They hold no user data, so they stay readable (never writable).
 */
export const systemDirs: ReadonlySet<string> = new Set([
  'usr',
  'bin',
  'sbin',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'etc',
  'nix',
]);
/** bubblewrap mounts its own /dev and /proc; /sys stays the host's, read-only. */
const kernelDirs = new Set(['dev', 'proc', 'sys']);
/**
 * Secrets kept inside the system directories (readable when corral runs as root): password
 * hashes, host keys, TLS and VPN keys, Wi-Fi passwords, cluster and engine credentials.
 * Only those that exist are listed (see `buildFence`).
 */
const sensitiveSystemPaths = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ssh',
  '/etc/ssl/private',
  '/etc/pki/tls/private',
  '/etc/letsencrypt',
  '/etc/ipsec.secrets',
  '/etc/wireguard',
  '/etc/krb5.keytab',
  '/etc/NetworkManager/system-connections',
  '/etc/wpa_supplicant',
  '/etc/docker',
  '/etc/containerd',
  '/etc/kubernetes',
  '/etc/rancher',
];

export interface FenceInput {
  /** Real path (symlinks resolved) of the workspace. */
  workspaceDir: string;
  /** corral's state root. */
  home: string;
  /** sandbox-runtime's vendor directory (apply-seccomp runs from it inside the sandbox). */
  vendorDir: string;
  /**
   * Hosts (`name`, `*.name`, `host:port`) the sandbox may reach through sandbox-runtime's
   * proxy; empty for no network at all.
   */
  allowHosts?: readonly string[];
  /** srt's own temporary directory, where its proxy sockets live (readable when hosts are allowed). */
  proxyDir?: string;
  /** Directories of the programs the sandbox runs from the host (tool-dirs.ts), read-only. */
  toolDirs?: readonly string[];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Entries of `/` to hide. A symlink is skipped: what it leads to is a directory of `/`
 * that is either hidden in its own right or a system directory, and sandbox-runtime
 * would otherwise hide the target itself, even when that is /usr. */
function hiddenTopLevel(entries: Dirent[]): string[] {
  return entries
    .filter((e) => !e.isSymbolicLink() && !systemDirs.has(e.name) && !kernelDirs.has(e.name))
    .map((e) => join('/', e.name));
}

export async function buildFence(input: FenceInput): Promise<SandboxRuntimeConfig> {
  const topLevel = hiddenTopLevel(await readdir('/', { withFileTypes: true }));
  // Only existing paths: for a missing one sandbox-runtime may mount a placeholder, which
  // leaves an empty file on the host while a command runs.
  const extra = [...sensitiveSystemPaths, homedir(), input.home].filter((p) => p !== '/');
  const present = await Promise.all(extra.map(async (p) => ((await exists(p)) ? p : null)));
  const denyRead = [...new Set([...topLevel, ...present.filter((p) => p !== null)])];
  const allowHosts = [...(input.allowHosts ?? [])];
  // The proxy is reached over Unix sockets in srt's temporary directory, which the fence
  // otherwise hides with the rest of /tmp.
  // Always readable, since hosts can be allowed later, live; with none allowed the proxy
  // refuses everything.
  const proxyRead = input.proxyDir ? [input.proxyDir] : [];
  return {
    network: { allowedDomains: allowHosts, deniedDomains: [] },
    filesystem: {
      denyRead,
      allowRead: [input.workspaceDir, input.vendorDir, ...proxyRead, ...(input.toolDirs ?? [])],
      allowWrite: [input.workspaceDir],
      denyWrite: [],
    },
  };
}
