/**
 * A local agent's model access outlives its engine: Claude Code on the local backend, its
 * key held by the host's model gateway process, the engine killed (`kill -9`) while the
 * agent runs a command between two model calls. The second call still reaches the model
 * with the real key, the next command's engine takes the run up and brings the work back,
 * and the gateway process ends with the run.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostGatewayProcess } from '../../src/orchestrator/host-gateway-process.js';
import { openModelPolicy } from '../../src/protocol/model-policy.js';
import { getInstancePaths } from '../../src/state/index.js';
import { ensureAgentCli, getPinnedVersion } from '../helpers/agent-cli.js';
import { corral, makeHome, waitFor, waitForEnd } from '../helpers/cli.js';
import { findProcesses, killEnginesAndWait } from '../helpers/engine.js';
import { sha256 } from '../helpers/fence.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  startAnthropicStandIn,
  type AnthropicStandIn,
} from '../helpers/stand-in/anthropic-stand-in.js';

const pkg = '@anthropic-ai/claude-code';
const apiKey = 'sk-ant-survives-7c1e5a9d3b';

/** Pids of live host gateway processes serving an instance of `home`. */
function hostGateways(home: string): number[] {
  return findProcesses((cmdline) =>
    cmdline.some((a) => a.startsWith(home) && a.endsWith('/host-gateway.json')),
  );
}

describe('a local agent whose engine is killed mid-run', () => {
  let api: AnthropicStandIn;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const binDir = await ensureAgentCli({ pkg, version: getPinnedVersion(pkg), bin: 'claude' });
    repo = await makeRepo({ 'app.py': 'greeting = "hello"\n' });
    home = await makeHome();
    api = await startAnthropicStandIn({
      script: [
        {
          toolUse: {
            name: 'Bash',
            input: {
              // Long enough for the test to kill the engine while it runs.
              command: `sed -i 's/"hello"/"hello, again"/' app.py && touch started.txt && sleep 8`,
              description: 'Edit, then wait',
            },
          },
        },
        { text: 'Done after the engine died.' },
      ],
    });
    env = {
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: apiKey,
    };
  });

  afterAll(async () => {
    await api?.close();
  });

  it('keeps calling its model through the host gateway, and its work comes back', async () => {
    const r = await corral(
      home,
      ['run', '-d', '--backend', 'local', '--agent', 'claude', '-p', 'greet again', '--json'],
      { cwd: repo.dir, env },
    );
    expect(r.code, r.stderr).toBe(0);
    const { id, branch } = r.json<{ id: string; branch: string }>();
    const workspace = join(home, 'instances', id, 'workspace');
    await waitFor(
      'the agent to run its command',
      () =>
        access(join(workspace, 'started.txt')).then(
          () => true,
          () => undefined,
        ),
      120_000,
    );
    const gateways = hostGateways(home);
    expect(gateways).toHaveLength(1);
    const turnsBefore = api.requests.filter((q) => q.kind === 'turn').length;
    expect((await killEnginesAndWait(home)).length).toBe(1);

    expect(await waitForEnd(home, id, 120_000)).toBe('succeeded');
    // The call after the kill reached the model, with the real key, through the same gateway.
    expect(api.requests.filter((q) => q.kind === 'turn').length).toBeGreaterThan(turnsBefore);
    expect(new Set(api.requests.map((q) => q.keySha256))).toEqual(new Set([sha256(apiKey)]));
    expect(repo.show(branch, 'app.py')).toBe('greeting = "hello, again"\n');
    // The gateway ended with the run.
    await waitFor('the gateway to end', () =>
      Promise.resolve(hostGateways(home).length === 0 ? true : undefined),
    );
  }, 300_000);

  it('leaves no gateway nobody names after gc: one an engine started and never recorded', async () => {
    const paths = getInstancePaths(home, 'claude-orphan1');
    await mkdir(paths.dir, { recursive: true });
    const gateway = await startHostGatewayProcess({
      routes: [
        { endpointVar: 'ANTHROPIC_BASE_URL', api: 'anthropic', upstream: api.url, path: '' },
      ],
      key: apiKey,
      paths,
      policy: openModelPolicy,
      spent: { tokens: 0, usd: 0 },
    });
    // It serves: a call through it reaches the model with the key.
    const before = api.requests.length;
    const call = await fetch(`${gateway.endpoints.ANTHROPIC_BASE_URL}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'corral-placeholder-key' },
      body: JSON.stringify({
        model: 'claude-opus-5-5',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(call.status).toBe(200);
    expect(api.requests.length).toBeGreaterThan(before);
    expect(hostGateways(home)).toEqual([gateway.ref.pid]);

    const gc = await corral(home, ['gc', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.json<{ removed: Array<{ kind: string; target: string }> }>().removed).toContainEqual({
      kind: 'gateway',
      target: `pid ${gateway.ref.pid}`,
      reason: 'no instance record',
    });
    expect(hostGateways(home)).toEqual([]);
  });
});
