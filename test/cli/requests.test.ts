/**
 * Requests from the agent, end to end, the way a user meets them: Claude Code (the real
 * CLI, scripted by the Anthropic stand-in on a network the test made) runs fenced
 * and asks with `corral-request` for a host and for a package. The
 * person sees both in `corral requests`, approves the host (it is in the live policy at
 * once) and the package: an image with jq is built, the instance resumes on it with its
 * workspace and its conversation, and the agent runs jq. The events and `corral logs`
 * show the requests and the answers.
 *
 * Network: the agent reaches only the gateway; the gateway only the stand-in's network.
 * The package build (docker build, host side) fetches jq from Debian's archive over
 * plain HTTP, as every corral image build does.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { corral, makeHome, readEvents, waitFor, waitForEnd } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import type { LoggedRequest, ScriptTurn } from '../helpers/stand-in/anthropic-stand-in.js';

const tag = `${process.pid}-requests`;

const bash = (command: string): ScriptTurn => ({
  toolUse: { name: 'Bash', input: { command, description: 'Run' } },
});

const script: ScriptTurn[] = [
  bash(
    'corral-request host example.test "to download the test fixtures" && ' +
      'corral-request package apt:jq "the build script parses JSON with jq" && ' +
      'echo started > notes.txt; command -v jq || echo no-jq-yet',
  ),
  { text: 'I asked for example.test and jq; waiting for a person.' },
  // The resumed conversation, on the new image.
  bash('jq --version && cat notes.txt && corral-request status 1 && corral-request status 2'),
  { text: 'jq works now.' },
];

interface Request {
  id: string;
  n: number;
  kind: string;
  name: string;
  why: string;
  status: string;
  answer: { decision: string; image: string | null } | null;
}

interface Event {
  type: string;
  [key: string]: unknown;
}

function dockerImageExists(image: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('requests from a fenced agent', () => {
  let network: ReturnType<typeof createTestNetwork>;
  let api: StandInContainer<LoggedRequest>;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let id = '';

  const events = async (): Promise<Event[]> => readEvents<Event>(home, id);

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
    api = await startModelStandIn<LoggedRequest>('anthropic', {
      network: network.name,
      tag: tag,
      script,
    });
    repo = await makeRepo({ 'build.sh': 'echo build\n' });
    home = await makeHome();
    env = {
      CORRAL_DOCKER_NETWORK: network.name,
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-requests',
    };
  });

  afterAll(async () => {
    if (id) await corral(home, ['rm', id, '--force']);
    api?.close();
    network?.remove();
  });

  it('queues the requests the agent makes; corral requests lists them', async () => {
    const r = await corral(
      home,
      ['run', '--agent', 'claude', '-p', 'get the build going', '--keep', '--json'],
      { cwd: repo.dir, env },
    );
    expect(r.code, r.stderr).toBe(0);
    id = r.json<{ id: string }>().id;
    const output = await readFile(join(home, 'instances', id, 'output.log'), 'utf8');
    expect(output).toContain('request 1 queued (host example.test)');
    expect(output).toContain('request 2 queued (package apt:jq)');
    expect(output).toContain('no-jq-yet');

    const listed = await corral(home, ['requests', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json<{ requests: Request[] }>().requests).toMatchObject([
      { id, n: 1, kind: 'host', name: 'example.test', status: 'pending' },
      { id, n: 2, kind: 'package', name: 'apt:jq', status: 'pending' },
    ]);
    const text = await corral(home, ['requests']);
    expect(text.stdout).toContain('the build script parses JSON with jq');

    const opened = (await events()).filter((e) => e.type === 'request.opened');
    expect(opened).toMatchObject([
      { n: 1, kind: 'host', name: 'example.test', why: 'to download the test fixtures' },
      { n: 2, kind: 'package', name: 'apt:jq' },
    ]);
  });

  it('refuses unknown requests (exit 3) and bad numbers (exit 2)', async () => {
    const unknown = await corral(home, ['approve', id, '9']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain(`${id} has no request 9`);
    expect((await corral(home, ['reject', 'no-such-instance', '1'])).code).toBe(3);
    expect((await corral(home, ['approve', id, 'two'])).code).toBe(2);
  });

  it('approving the host puts it in the live policy at once; a second answer is refused', async () => {
    const approved = await corral(home, ['approve', id, '1', '--json']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.json()).toMatchObject({ n: 1, status: 'approved', allow: ['example.test'] });
    const policy = await corral(home, ['policy', id, '--json']);
    expect(policy.json<{ allow: string[] }>().allow).toEqual(['example.test']);
    const file = await readFile(join(home, 'instances', id, 'policy', 'egress.json'), 'utf8');
    expect(JSON.parse(file)).toEqual({ allow: ['example.test'] });

    const again = await corral(home, ['reject', id, '1']);
    expect(again.code).toBe(7);
    expect(again.stderr).toContain('was already approved');
  });

  it('approving the package builds an image with it and resumes the instance there', async () => {
    const approved = await corral(home, ['approve', id, '2', '--json'], {
      env,
      timeoutMs: 600_000,
    });
    expect(approved.code, approved.stderr).toBe(0);
    const image = `corral-instance-${id}:2`;
    expect(approved.json()).toMatchObject({ n: 2, status: 'approved', image, resumed: true });
    expect(await readFile(join(home, 'instances', id, 'image', 'Dockerfile'), 'utf8')).toContain(
      "apt-get install -y --no-install-recommends 'jq'",
    );

    const ended = await waitForEnd(home, id, 300_000);
    expect(ended).toBe('succeeded');
    const metadata = JSON.parse(
      await readFile(join(home, 'instances', id, 'metadata.json'), 'utf8'),
    ) as { image: string };
    expect(metadata.image).toBe(image);

    // The agent ran jq on the new image, in the same workspace, in the same conversation.
    const all = await events();
    const jq = all.find(
      (e) => e.type === 'agent.command' && String(e.command).startsWith('jq --version'),
    );
    expect(jq).toMatchObject({ exitCode: 0 });
    expect(String(jq?.output)).toMatch(/jq-1\.\d/);
    expect(String(jq?.output)).toContain('started');
    expect(String(jq?.output)).toContain('request 1 (host example.test): approved');
    expect(String(jq?.output)).toContain('request 2 (package apt:jq): approved');
    const turns = api.requests().filter((q) => q.kind === 'turn');
    expect(turns.at(-2)?.summary.lastUserText).toContain('apt:jq you asked for (request 2)');
    expect(turns.at(-1)?.summary.roles.length).toBeGreaterThan(4);

    const answered = all.filter((e) => e.type === 'request.answered');
    expect(answered).toMatchObject([
      { n: 1, decision: 'approved', name: 'example.test' },
      { n: 2, decision: 'approved', name: 'apt:jq' },
    ]);
    expect(all.filter((e) => e.type === 'request.opened')).toHaveLength(2);
    const listed = await corral(home, ['requests', id, '--all', '--json']);
    expect(listed.json<{ requests: Request[] }>().requests.map((r) => r.status)).toEqual([
      'approved',
      'approved',
    ]);
    expect((await corral(home, ['requests', '--json'])).json()).toMatchObject({ requests: [] });
    const logs = await corral(home, ['logs', id]);
    expect(logs.stdout).toContain(
      'request 2: package apt:jq (the build script parses JSON with jq)',
    );
    expect(logs.stdout).toMatch(/request 2 approved( by \S+)?: package apt:jq/);

    // corral rm takes the instance's own images with it.
    expect(dockerImageExists(image)).toBe(true);
    const removed = await corral(home, ['rm', id]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(dockerImageExists(image)).toBe(false);
    id = '';
  });
});

describe('a package approved while the agent runs', () => {
  const runningTag = `${tag}-running`;
  let network: ReturnType<typeof createTestNetwork>;
  let api: StandInContainer<LoggedRequest>;
  let home: string;
  let id = '';

  // The agent asks, then keeps working (a long command) until it is stopped for the image.
  const runningScript: ScriptTurn[] = [
    bash(
      'corral-request package apt:jq "to parse JSON" && echo half-done > notes.txt && sleep 100',
    ),
    // After the restart (the command above never returned, so the next turn is the resumed one).
    bash('jq --version && cat notes.txt'),
    { text: 'Done with jq.' },
  ];

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${runningTag}`);
    api = await startModelStandIn<LoggedRequest>('anthropic', {
      network: network.name,
      tag: runningTag,
      script: runningScript,
    });
    home = await makeHome();
  });

  afterAll(async () => {
    if (id) await corral(home, ['rm', id, '--force']);
    api?.close();
    network?.remove();
  });

  it('stops it with its workspace kept (even without --keep) and resumes it on the new image', async () => {
    const repo = await makeRepo({ 'build.sh': 'echo build\n' });
    const env = {
      CORRAL_DOCKER_NETWORK: network.name,
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-requests',
    };
    const started = await corral(home, ['run', '--agent', 'claude', '-p', 'work', '-d'], {
      cwd: repo.dir,
      env,
    });
    expect(started.code, started.stderr).toBe(0);
    id = started.stdout.trim();
    await waitFor(
      'the request',
      async () => {
        const listed = await corral(home, ['requests', id, '--json']);
        return listed.json<{ requests: Request[] }>().requests.length > 0 ? true : undefined;
      },
      120_000,
    );

    const approved = await corral(home, ['approve', id, '1', '--json'], {
      env,
      timeoutMs: 600_000,
    });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.json()).toMatchObject({ resumed: true, restarted: true });

    const ended = await waitForEnd(home, id, 300_000);
    expect(ended).toBe('succeeded');
    const all = await readEvents<Event>(home, id);
    // The first run ended canceled (stopped for the image), the second succeeded.
    expect(all.filter((e) => e.type === 'instance.ended').map((e) => e.status)).toEqual([
      'canceled',
      'succeeded',
    ]);
    const jq = all.find(
      (e) => e.type === 'agent.command' && String(e.command).startsWith('jq --version'),
    );
    expect(jq).toMatchObject({ exitCode: 0 });
    expect(String(jq?.output)).toContain('half-done');
  });
});
