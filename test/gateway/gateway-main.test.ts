/**
 * The gateway sidecar as the Compose side runs it: the built `dist/gateway/main.js` with a
 * config file and the real key in its environment (or on stdin). It prints one ready line
 * with its ports, enforces the policy file and re-reads it on SIGHUP, forwards model calls
 * with the key, keeps the key out of everything it prints or writes, and exits 0 on
 * SIGTERM. The proxy's targets are given as `127.0.0.1:<port>` (the built binary uses the
 * system resolver), so all traffic stays on loopback.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAppliedPolicy } from '../../src/gateway/applied-policy.js';
import { exec } from '../../src/lib/exec.js';
import { sha256 } from '../helpers/fence.js';
import {
  startAnthropicStandIn,
  type AnthropicStandIn,
} from '../helpers/stand-in/anthropic-stand-in.js';

const mainJs = resolve(import.meta.dirname, '../../dist/gateway/main.js');
const realKey = 'sk-ant-api03-MAIN-real-key-000111222333';

interface Ready {
  ready: true;
  egress: { url: string; port: number };
  models: Array<{ api: string; url: string; port: number }>;
}

let dir: string;
let target: Server;
let targetPort: number;
let api: AnthropicStandIn;
let child: ChildProcessWithoutNullStreams | undefined;
let stdout = '';
let stderr = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-gw-main-'));
  target = createServer((_req, res) => res.end('reached the target'));
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  targetPort = (target.address() as AddressInfo).port;
  api = await startAnthropicStandIn({ script: [{ text: 'Hello from the stand-in.' }] });
  stdout = '';
  stderr = '';
});

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  child = undefined;
  await api.close();
  target.closeAllConnections();
  await new Promise<void>((r) => target.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, 'gateway.json');
  await writeFile(join(dir, 'egress.json'), JSON.stringify({ allow: [] }));
  await writeFile(
    path,
    JSON.stringify({
      listenHost: '127.0.0.1',
      // No fs.watch and a slow poll: a change can only be seen at once through SIGHUP.
      egress: {
        port: 0,
        policyPath: join(dir, 'egress.json'),
        logPath: join(dir, 'egress.log'),
        pollMs: 600_000,
        watch: false,
      },
      models: [{ api: 'anthropic', port: 0, upstream: api.url, keyEnv: 'ANTHROPIC_API_KEY' }],
      usageLogPath: join(dir, 'usage.log'),
      ...extra,
    }),
  );
  return path;
}

function start(config: string, env: NodeJS.ProcessEnv, stdin = ''): ChildProcessWithoutNullStreams {
  const proc = spawn(process.execPath, [mainJs, config], {
    env: { PATH: process.env.PATH, ...env },
  });
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  proc.stdin.end(stdin);
  return proc;
}

/** Waits (at most 15 s, in 50 ms steps) until `check` holds. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error(`timed out waiting for ${what}; stderr:\n${stderr}`);
}

async function ready(): Promise<Ready> {
  await until(() => stdout.includes('\n'), 'the ready line');
  return JSON.parse(stdout.split('\n')[0] ?? '') as Ready;
}

const curlStatus = async (proxy: string) =>
  (
    await exec(
      'curl',
      [
        '-sS',
        '--max-time',
        '10',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-x',
        proxy,
        `http://127.0.0.1:${targetPort}/`,
      ],
      { env: { PATH: process.env.PATH }, allowFailure: true },
    )
  ).stdout;

/** One conversation turn through the gateway's model port, with the agent's placeholder. */
const askModel = (info: Ready) =>
  fetch(`${info.models[0]?.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'placeholder-key' },
    body: JSON.stringify({
      model: 'claude-test',
      max_tokens: 10,
      tools: [{ name: 'Bash' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    }),
  });

describe('gateway sidecar process', () => {
  it('starts, enforces and reloads the policy on SIGHUP, forwards with the key, and stops on SIGTERM', async () => {
    child = start(await writeConfig(), { ANTHROPIC_API_KEY: realKey });
    const info = await ready();
    expect(info.ready).toBe(true);
    expect(info.models.map((m) => m.api)).toEqual(['anthropic']);

    expect(await curlStatus(info.egress.url)).toBe('403');
    await writeFile(
      join(dir, 'egress.json'),
      JSON.stringify({ allow: [`127.0.0.1:${targetPort}`] }),
    );
    child.kill('SIGHUP');
    await until(() => stderr.includes(`127.0.0.1:${targetPort}`), 'the reloaded policy');
    expect(await curlStatus(info.egress.url)).toBe('200');

    const res = await askModel(info);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Hello from the stand-in.');
    // The stand-in received the real key (its hash), put there by the gateway.
    expect(api.requests.map((q) => q.keySha256)).toEqual([sha256(realKey)]);

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);

    const egressLog = await readFile(join(dir, 'egress.log'), 'utf8');
    expect(
      egressLog
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { allowed: boolean }).allowed),
    ).toEqual([false, true]);
    const usageLog = await readFile(join(dir, 'usage.log'), 'utf8');
    expect(JSON.parse(usageLog.trim())).toMatchObject({
      api: 'anthropic',
      inputTokens: 321,
      outputTokens: 45,
    });
    for (const text of [stdout, stderr, egressLog, usageLog]) expect(text).not.toContain(realKey);
  });

  it("opens the setup file's hosts besides the policy, and writes what is in force after each change", async () => {
    const setupPath = join(dir, 'setup.json');
    const appliedPath = join(dir, 'policy-applied.json');
    await writeFile(setupPath, JSON.stringify({ allow: [] }));
    const config = await writeConfig();
    const written = JSON.parse(await readFile(config, 'utf8')) as { egress: object };
    await writeFile(
      config,
      JSON.stringify({
        ...written,
        egress: { ...written.egress, setupPolicyPath: setupPath, appliedPath },
      }),
    );
    child = start(config, { ANTHROPIC_API_KEY: realKey });
    const info = await ready();
    const applied = () => readAppliedPolicy(appliedPath);
    expect(await applied()).toEqual({ policy: [], setup: [] });
    expect(await curlStatus(info.egress.url)).toBe('403');

    const host = `127.0.0.1:${targetPort}`;
    await writeFile(setupPath, JSON.stringify({ allow: [host] }));
    child.kill('SIGHUP');
    for (let i = 0; i < 300 && (await applied())?.setup.length !== 1; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await applied()).toEqual({ policy: [], setup: [host] });
    expect(await curlStatus(info.egress.url)).toBe('200');

    await writeFile(setupPath, JSON.stringify({ allow: [] }));
    child.kill('SIGHUP');
    for (let i = 0; i < 300 && (await applied())?.setup.length !== 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await applied()).toEqual({ policy: [], setup: [] });
    expect(await curlStatus(info.egress.url)).toBe('403');
  });

  it('takes the key from stdin, and names a missing key without printing any value', async () => {
    child = start(
      await writeConfig({ keysFrom: 'stdin' }),
      {},
      JSON.stringify({ ANTHROPIC_API_KEY: realKey }),
    );
    const info = await ready();
    expect(info.models).toHaveLength(1);
    const res = await askModel(info);
    expect(res.status).toBe(200);
    expect(api.requests.map((q) => q.keySha256)).toEqual([sha256(realKey)]);
    child.kill('SIGTERM');
    expect(((await once(child, 'exit')) as [number | null])[0]).toBe(0);

    stdout = '';
    stderr = '';
    child = start(await writeConfig({ keysFrom: 'stdin' }), { ANTHROPIC_API_KEY: realKey }, '{}');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(5);
    expect(stderr).toContain('ANTHROPIC_API_KEY is not set in the stdin JSON');
    expect(stdout + stderr).not.toContain(realKey);
  });

  it('refuses an invalid config with one line saying what is wrong', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ egress: { port: 3128 } }));
    child = start(join(dir, 'bad.json'), {});
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toContain('egress.policyPath');
  });
});
