/**
 * What the fenced-sandbox tests look at from outside: the agent
 * container's environment as the engine holds it, caught while the instance runs (the
 * project is gone afterwards), what of an instance's Compose project is left, and where
 * a model key is not.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

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

/** Files of an instance's state dir that a fenced run writes. */
const instanceFiles = [
  'events.ndjson',
  'output.log',
  'metadata.json',
  'compose.yml',
  'compose.log',
  'gateway.json',
  'usage.log',
];

/**
 * The fence's promise about a model key, checked after a fenced agent run whose command
 * printed its environment: the key is in no file of the instance's state dir `dir`, not in
 * what the CLI printed, not in the engine's record of the agent container; the agent saw
 * `placeholderVar=corral-placeholder-key`, and nothing it printed needed redacting; every
 * request the stand-in received carried the real key (`keyHashes`), added by the gateway.
 */
export async function expectKeyOnlyAtStandIn(check: {
  dir: string;
  apiKey: string;
  printed: string;
  agentEnv: string[] | null;
  placeholderVar: string;
  keyHashes: Array<string | null>;
}): Promise<void> {
  for (const f of instanceFiles) {
    const text = await readFile(join(check.dir, f), 'utf8');
    expect(text, f).not.toContain(check.apiKey);
  }
  expect(check.printed).not.toContain(check.apiKey);
  expect(check.agentEnv).not.toBeNull();
  expect(JSON.stringify(check.agentEnv)).not.toContain(check.apiKey);
  const output = await readFile(join(check.dir, 'output.log'), 'utf8');
  expect(output).toContain(`${check.placeholderVar}=corral-placeholder-key`);
  expect(output).not.toContain('[redacted]');
  expect(new Set(check.keyHashes)).toEqual(new Set([sha256(check.apiKey)]));
}
