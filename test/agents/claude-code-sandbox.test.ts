/**
 * Claude Code for real, the way a user runs it: `corral run --agent claude -p …` in the
 * docker sandbox (the agents image, the pinned CLI), fenced behind its gateway, which
 * forwards to the Anthropic stand-in running as a container on a network the test made.
 * The scripted model reads a file, edits it and runs commands; the branch has the edit,
 * the events hold the tool calls, the command and the usage the gateway metered; the agent
 * holds only a placeholder while every request reaches the stand-in with the real key; the
 * key appears nowhere corral writes; `corral resume -p` continues the same conversation.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { expectKeyOnlyAtStandIn, projectLeftovers, watchAgentEnv } from '../helpers/fence.js';
import { underPty } from '../helpers/pty.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import type { LoggedRequest, ScriptTurn } from '../helpers/stand-in/anthropic-stand-in.js';

const apiKey = 'sk-ant-test-7f3c9e1d5b2a';
const tag = `${process.pid}-claude`;

const file = '/workspace/app.py';
const script: ScriptTurn[] = [
  [{ text: 'Let me look at the file.' }, { toolUse: { name: 'Read', input: { file_path: file } } }],
  {
    toolUse: {
      name: 'Edit',
      input: { file_path: file, old_string: '"hello"', new_string: '"hello, corral"' },
    },
  },
  {
    toolUse: {
      name: 'Bash',
      input: {
        command: 'grep -c corral app.py && env | grep -c ANTHROPIC_API_KEY= && env',
        description: 'Check',
      },
    },
  },
  { text: 'Done: the greeting now mentions corral.' },
  // The resumed conversation.
  { text: 'I changed the greeting in app.py earlier.' },
  // The session in a terminal.
  { text: 'corral-tui-reply-marker' },
];

interface Outcome {
  id: string;
  status: string;
  branch: string;
  agentSessionId: string | null;
  network: string;
  summary: {
    toolCalls: number;
    inputTokens: number;
    outputTokens: number;
    costUsd: number | null;
    filesChanged: number;
  };
}

describe('claude in the fenced docker sandbox, against the stand-in', () => {
  let network: ReturnType<typeof createTestNetwork>;
  let api: StandInContainer<LoggedRequest>;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let contextFile: string;

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
    api = await startModelStandIn<LoggedRequest>('anthropic', {
      network: network.name,
      tag: tag,
      script,
    });
    repo = await makeRepo({ 'app.py': 'greeting = "hello"\n' });
    home = await makeHome();
    contextFile = join(home, 'ROLE.md');
    await writeFile(contextFile, 'House rule: mention corral-context-marker-31337.\n');
    env = {
      CORRAL_DOCKER_NETWORK: network.name,
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: apiKey,
    };
  });

  afterAll(() => {
    api?.close();
    network?.remove();
  });

  it('reads, edits and runs; the branch, the events and the summary show it; the key is nowhere', async () => {
    const agentEnv = watchAgentEnv(home);
    const r = await corral(
      home,
      [
        'run',
        '--context',
        contextFile,
        '--agent',
        'claude',
        '-p',
        'make the greeting mention corral',
        '--keep',
        '--json',
      ],
      { cwd: repo.dir, env },
    ).finally(() => agentEnv.stop());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'egress only to its model API and allowed hosts, through the gateway',
    );
    const out = r.json<Outcome>();
    expect(out).toMatchObject({ status: 'succeeded', network: 'open' });
    expect(repo.show(out.branch, 'app.py')).toBe('greeting = "hello, corral"\n');
    expect(out.agentSessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.summary.toolCalls).toBe(3);
    expect(out.summary.filesChanged).toBe(1);
    expect(out.summary.outputTokens).toBeGreaterThan(0);

    const dir = join(home, 'instances', out.id);
    const events = await readEvents(home, out.id);
    const calls = events.filter((e) => e.type === 'agent.tool-call').map((e) => [e.tool, e.target]);
    expect(calls).toEqual([
      ['Read', '/workspace/app.py'],
      ['Edit', '/workspace/app.py'],
      ['Bash', expect.stringContaining('grep -c corral app.py')],
    ]);
    const command = events.find((e) => e.type === 'agent.command');
    expect(String(command?.command)).toContain('grep -c corral');
    expect(events.find((e) => e.type === 'agent.file-change')).toMatchObject({
      path: '/workspace/app.py',
    });
    expect(events.find((e) => e.type === 'agent.end')).toMatchObject({ ok: true });

    // The command printed the environment inside the sandbox; the key must not survive that.
    // The engine's record of the agent container holds no key, and the agent process only
    // the placeholder; every request reached the stand-in with the real key, added by the
    // gateway.
    const requests = api.requests();
    await expectKeyOnlyAtStandIn({
      dir,
      apiKey,
      printed: r.stdout + r.stderr,
      agentEnv: await agentEnv.env(),
      placeholderVar: 'ANTHROPIC_API_KEY',
      keyHashes: requests.map((q) => q.keySha256),
    });
    const output = await readFile(join(dir, 'output.log'), 'utf8');
    expect(output).toContain('ANTHROPIC_BASE_URL=http://gateway:');
    expect(requests.filter((q) => q.kind === 'turn').length).toBeGreaterThanOrEqual(4);
    // The gateway metered every model call into the event stream, and the summary is its sum.
    const metered = events.filter((e) => e.type === 'gateway.usage');
    expect(metered.length).toBeGreaterThanOrEqual(4);
    expect(metered.every((e) => e.api === 'anthropic' && e.status === 200)).toBe(true);
    const sum = metered.reduce((n, e) => n + Number(e.outputTokens), 0);
    expect(out.summary.outputTokens).toBe(sum);
    // --keep keeps the stopped project for a look; rm removes it.
    expect((await projectLeftovers(out.id)).length).toBeGreaterThan(0);
    // The --context text reached the model, and is not on the branch.
    const turns = api.requests().filter((q) => q.kind === 'turn');
    expect(JSON.stringify(turns[0]?.body)).toContain('corral-context-marker-31337');
    expect(repo.git('ls-tree', '-r', '--name-only', out.branch).trim().split('\n')).toEqual([
      'app.py',
    ]);

    const logs = await corral(home, ['logs', out.id]);
    expect(logs.stdout).toContain('  → Edit /workspace/app.py');
    expect(logs.stdout).toContain('Done: the greeting now mentions corral.');
  });

  it('resume -p continues the same conversation', async () => {
    const ls = await corral(home, ['ls', '--json']);
    const id = ls.json<{ instances: Array<{ id: string }> }>().instances[0]!.id;
    const r = await corral(home, ['resume', id, '-p', 'what did you change?', '--json'], {
      cwd: repo.dir,
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    const turns = api.requests().filter((q) => q.kind === 'turn');
    const last = turns.at(-1)!;
    expect(last.summary.lastUserText).toContain('what did you change?');
    // The earlier exchange travels with the resumed request.
    expect(last.summary.roles.length).toBeGreaterThan(4);
    const logs = await corral(home, ['logs', id]);
    expect(logs.stdout).toContain('I changed the greeting in app.py earlier.');
    const rm = await corral(home, ['rm', id]);
    expect(rm.code, rm.stderr).toBe(0);
    expect(await projectLeftovers(id)).toEqual([]);
  });

  it('a session in a terminal starts behind the fence without asking about the key', async () => {
    // Ctrl-C twice is how Claude Code's terminal UI ends; the reply must be on screen first.
    const r = await underPty(
      home,
      repo.dir,
      ['run', '--agent', 'claude', '-i', '-p', 'say the marker'],
      { waitFor: 'corral-tui-reply-marker', keys: '\x03\x03' },
      env,
    );
    expect(r.screen).toContain('corral-tui-reply-marker');
    expect(r.screen).not.toMatch(/custom API key/i);
    expect(r.screen).not.toContain(apiKey);
    const last = api
      .requests()
      .filter((q) => q.kind === 'turn')
      .at(-1);
    expect(last?.summary.lastUserText).toContain('say the marker');
  });
});
