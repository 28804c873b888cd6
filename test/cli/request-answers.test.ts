/**
 * The other answers to an agent's requests, end to end with the real Claude Code fenced in
 * docker (scripted by the Anthropic stand-in): it asks for an npm package and for an apt
 * one, then waits (for a file the test writes into its workspace) while a person answers.
 * `corral reject --reason` reaches the agent, which reads it with `corral-request status`
 * in the same run; `corral approve --no-resume` of the npm package builds the instance's
 * image with it (npm install -g from the registry, trusting the host's CA bundle) and
 * switches the instance to it without touching the running agent, which goes on without
 * the package; the next `corral resume` runs on the new image, where the package works.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { corral, makeHome, readEvents, waitFor, waitForEnd } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import type { LoggedRequest, ScriptTurn } from '../helpers/stand-in/anthropic-stand-in.js';

const tag = `${process.pid}-answers`;
const reason = 'use printf instead of cowsay';

const bash = (command: string): ScriptTurn => ({
  toolUse: { name: 'Bash', input: { command, description: 'Run', timeout: 600_000 } },
});

const script: ScriptTurn[] = [
  bash(
    [
      'corral-request package npm:semver "to compare versions"',
      'corral-request package apt:cowsay "to print a banner"',
      'while [ ! -e .go ]; do sleep 0.2; done; rm .go',
      'corral-request status 2',
      'command -v semver || echo no-semver-in-this-run',
    ].join('; '),
  ),
  { text: 'Asked; one refused, the other comes later.' },
  // The next resume, on the new image.
  bash('semver 1.2.3 -r ">=1.0.0"'),
  { text: 'semver works.' },
];

interface Event {
  type: string;
  [key: string]: unknown;
}

describe('answers to an agent: reject --reason, approve --no-resume of an npm package', () => {
  let network: ReturnType<typeof createTestNetwork>;
  let api: StandInContainer<LoggedRequest>;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let id = '';

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
    api = await startModelStandIn<LoggedRequest>('anthropic', {
      network: network.name,
      tag,
      script,
    });
    home = await makeHome();
    env = {
      CORRAL_DOCKER_NETWORK: network.name,
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-answers',
    };
  });

  afterAll(async () => {
    if (id) await corral(home, ['rm', id, '--force']);
    api?.close();
    network?.remove();
  });

  it('the agent reads the reason at once; the package waits for the next resume', async () => {
    const repo = await makeRepo({ 'package.json': '{ "name": "x" }\n' });
    const started = await corral(home, ['run', '--agent', 'claude', '-p', 'work', '-d'], {
      cwd: repo.dir,
      env,
    });
    expect(started.code, started.stderr).toBe(0);
    id = started.stdout.trim();
    await waitFor(
      'both requests',
      async () => {
        const listed = await corral(home, ['requests', id, '--json']);
        return listed.json<{ requests: unknown[] }>().requests.length === 2 ? true : undefined;
      },
      120_000,
    );

    const rejected = await corral(home, ['reject', id, '2', '--reason', reason, '--json']);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.json()).toMatchObject({
      n: 2,
      status: 'rejected',
      answer: { decision: 'rejected', reason },
    });

    const image = `corral-instance-${id}:1`;
    const approved = await corral(home, ['approve', id, '1', '--no-resume', '--json'], {
      env,
      timeoutMs: 600_000,
    });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.json()).toMatchObject({ n: 1, image, resumed: false, restarted: false });
    expect(await readFile(join(home, 'instances', id, 'image', 'Dockerfile'), 'utf8')).toContain(
      'npm install -g',
    );
    // The running agent was left alone.
    const ls = await corral(home, ['ls', '--json']);
    expect(
      ls.json<{ instances: Array<{ id: string; status: string }> }>().instances,
    ).toContainEqual(expect.objectContaining({ id, status: 'running' }));

    await writeFile(join(home, 'instances', id, 'workspace', '.go'), '');
    expect(await waitForEnd(home, id, 300_000)).toBe('succeeded');
    let events = await readEvents<Event>(home, id);
    expect(events.filter((e) => e.type === 'instance.ended')).toHaveLength(1);
    const first = events.find((e) => e.type === 'agent.command');
    expect(String(first?.output)).toContain(`request 2 (package apt:cowsay): rejected: ${reason}`);
    expect(String(first?.output)).toContain('no-semver-in-this-run');
    expect(events.filter((e) => e.type === 'request.answered')).toMatchObject([
      { n: 2, decision: 'rejected', reason },
      { n: 1, decision: 'approved', name: 'npm:semver' },
    ]);

    // The next resume runs on the image with the package.
    const resumed = await corral(home, ['resume', id, '-p', 'go on', '--json'], {
      env,
      timeoutMs: 300_000,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const metadata = JSON.parse(
      await readFile(join(home, 'instances', id, 'metadata.json'), 'utf8'),
    ) as { image: string };
    expect(metadata.image).toBe(image);
    events = await readEvents<Event>(home, id);
    const semver = events.find(
      (e) => e.type === 'agent.command' && String(e.command).startsWith('semver'),
    );
    expect(semver).toMatchObject({ exitCode: 0 });
    expect(String(semver?.output).trim()).toBe('1.2.3');

    const removed = await corral(home, ['rm', id]);
    expect(removed.code, removed.stderr).toBe(0);
    id = '';
    // Two agent runs, an image build from the registry, on a shared machine.
  }, 420_000);
});
