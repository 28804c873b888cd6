/**
 * What the fenced-sandbox tests look at from outside: the agent
 * container's environment as the engine holds it, caught while the instance runs (the
 * project is gone afterwards), and what of an instance's Compose project is left.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { encoding: 'utf8' })).stdout;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Polls for the agent container (label corral.service=agent) of the instances of `home` and
 * returns its `Config.Env` once seen; `stop()` ends the polling, `env()` waits for it.
 */
export function watchAgentEnv(home: string): { env(): Promise<string[] | null>; stop(): void } {
  let stopped = false;
  const poll = async (): Promise<string[] | null> => {
    while (!stopped) {
      const ids = await docker(
        'ps',
        '-q',
        '--filter',
        `label=corral.home=${home}`,
        '--filter',
        'label=corral.service=agent',
      ).catch(() => '');
      const id = ids.trim().split('\n')[0];
      if (id) {
        const json = await docker('inspect', '--format', '{{json .Config.Env}}', id).catch(
          () => '',
        );
        if (json) return JSON.parse(json) as string[];
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return null;
  };
  const result = poll();
  return {
    env: () => result,
    stop: () => {
      stopped = true;
    },
  };
}

/** Containers and networks of the Compose project of instance `id` that still exist. */
export async function projectLeftovers(id: string): Promise<string[]> {
  const filter = `label=com.docker.compose.project=${id}`;
  const containers = await docker('ps', '-a', '-q', '--filter', filter);
  const networks = await docker('network', 'ls', '-q', '--filter', filter);
  return `${containers}\n${networks}`.split('\n').filter(Boolean);
}
