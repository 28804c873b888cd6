/**
 * Which Compose command to run, found by an ordered list of strategies: the command the
 * configuration names, then `docker compose` (v2, the plugin most users have), then
 * `docker-compose` (Debian ships 1.29, v1; a standalone v2 binary has this name too).
 * Each strategy runs `<command> version --short`; the first that answers wins.
 *
 * Compose runs with a small environment of its own (below) rather than the host's, so that
 * nothing of the developer's shell reaches it but what tells it where the engine is.
 */
import { exec } from '../../../lib/exec.js';
import { CorralError } from '../../../lib/errors.js';

export interface ComposeCli {
  /** The argv prefix, e.g. `['docker', 'compose']`. */
  argv: string[];
  version: string;
  /** v1 (docker-compose 1.x, Python) or v2 (Go, plugin or standalone). */
  generation: 1 | 2;
}

export interface DetectComposeOptions {
  /** The compose command from corral's config, e.g. `['podman', 'compose']`; tried alone. */
  command?: string[];
  signal?: AbortSignal;
}

/** What of the host's environment Compose gets: where the engine and the CLI's config are. */
const passedEnv = [
  'PATH',
  'HOME',
  'USER',
  'TMPDIR',
  'XDG_RUNTIME_DIR',
  'DOCKER_HOST',
  'DOCKER_CONTEXT',
  'DOCKER_CONFIG',
  'DOCKER_TLS_VERIFY',
  'DOCKER_CERT_PATH',
  'DOCKER_API_VERSION',
];

/** The environment Compose runs with, plus `extra` (the gateway's secrets, by their names). */
export function getComposeEnv(
  extra: Record<string, string> = {},
  host: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of passedEnv) if (host[name] !== undefined) env[name] = host[name];
  return { ...env, ...extra };
}

async function tryCompose(argv: string[], signal?: AbortSignal): Promise<ComposeCli | undefined> {
  const [file, ...args] = argv;
  if (!file) return undefined;
  try {
    const r = await exec(file, [...args, 'version', '--short'], { env: getComposeEnv(), signal });
    const version = r.stdout.trim().replace(/^v/, '');
    if (!/^\d+\./.test(version)) return undefined;
    return { argv, version, generation: version.startsWith('1.') ? 1 : 2 };
  } catch {
    signal?.throwIfAborted();
    return undefined;
  }
}

/** The Compose command to use; throws BACKEND_UNAVAILABLE, naming the fix, when none runs. */
export async function detectComposeCli(options: DetectComposeOptions = {}): Promise<ComposeCli> {
  const { command, signal } = options;
  if (command) {
    const found = await tryCompose(command, signal);
    if (found) return found;
    throw new CorralError(
      'BACKEND_UNAVAILABLE',
      `The configured compose command \`${command.join(' ')}\` does not run (\`${command.join(' ')} version --short\` failed).`,
      { hint: 'Fix the compose command in corral’s config, or remove it to detect one.' },
    );
  }
  for (const argv of [['docker', 'compose'], ['docker-compose']]) {
    const found = await tryCompose(argv, signal);
    if (found) return found;
  }
  throw new CorralError(
    'BACKEND_UNAVAILABLE',
    'No Compose CLI found: neither `docker compose` (v2) nor `docker-compose` (v1) runs.',
    {
      hint: 'Install one: sudo apt-get install -y docker-compose, or the docker-compose-plugin package.',
    },
  );
}
