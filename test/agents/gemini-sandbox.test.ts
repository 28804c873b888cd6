/**
 * Gemini CLI for real, the way a user runs it: `corral run --agent gemini -p …` in the
 * docker sandbox (the agents image, the pinned CLI), fenced behind its gateway, which
 * forwards to the Gemini API stand-in running as a container on a network the test made.
 * The scripted model reads a file, edits it and runs a command; the branch has the edit,
 * the events hold the tool calls, the command and the file change, and the metered usage;
 * the agent holds only a placeholder while the stand-in gets the real key; the key appears
 * nowhere corral writes, `corral resume -p` continues the same session, and a terminal
 * session (`-i`) starts without asking how to sign in.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { expectKeyOnlyAtStandIn, projectLeftovers, watchAgentEnv } from '../helpers/fence.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { underPty } from '../helpers/pty.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import type { LoggedRequest, ScriptTurn } from '../helpers/stand-in/gemini-stand-in.js';

const apiKey = 'AIzaSy-test-9c1e7b3f5a';
const tag = `${process.pid}-gemini`;
const file = '/workspace/greeting.txt';

const script: ScriptTurn[] = [
  [{ text: 'Looking at the greeting.' }, { call: 'read_file', args: { file_path: file } }],
  {
    call: 'replace',
    args: {
      file_path: file,
      instruction: 'make the greeting say world',
      old_string: 'hello\n',
      new_string: 'hello, world\n',
    },
  },
  {
    call: 'run_shell_command',
    args: { command: 'grep -c world greeting.txt && env && ls missing-file' },
  },
  { text: 'The greeting now says hello, world.' },
  // The resumed session.
  { text: 'I changed greeting.txt earlier.' },
  // The terminal session.
  { text: 'corral-tui-reply-marker' },
];

interface Outcome {
  id: string;
  status: string;
  branch: string;
  agentSessionId: string | null;
  summary: { toolCalls: number; filesChanged: number; inputTokens: number; outputTokens: number };
}

describe('gemini in the fenced docker sandbox, against the stand-in', () => {
  let network: ReturnType<typeof createTestNetwork>;
  let api: StandInContainer<LoggedRequest>;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let contextFile: string;

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
    api = await startModelStandIn<LoggedRequest>('google', { network: network.name, tag, script });
    repo = await makeRepo({ 'greeting.txt': 'hello\n' });
    home = await makeHome();
    contextFile = join(home, 'ROLE.md');
    await writeFile(contextFile, 'House rule: mention corral-context-marker-31337.\n');
    env = {
      CORRAL_DOCKER_NETWORK: network.name,
      GOOGLE_GEMINI_BASE_URL: api.url,
      GEMINI_API_KEY: apiKey,
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
        'gemini',
        '-p',
        'make the greeting say world',
        '--keep',
        '--json',
      ],
      { cwd: repo.dir, env },
    ).finally(() => agentEnv.stop());
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    expect(out.status).toBe('succeeded');
    expect(repo.show(out.branch, 'greeting.txt')).toBe('hello, world\n');
    expect(out.agentSessionId).toBeTruthy();
    expect(out.summary.filesChanged).toBe(1);
    expect(out.summary.toolCalls).toBe(3);

    const dir = join(home, 'instances', out.id);
    const events = await readEvents(home, out.id);
    expect(events.filter((e) => e.type === 'agent.tool-call').map((e) => e.tool)).toEqual([
      'read_file',
      'replace',
      'run_shell_command',
    ]);
    expect(events.filter((e) => e.type === 'agent.file-change')).toMatchObject([
      { path: file, change: 'modify' },
    ]);
    // Gemini's stream reports the command as a success and leaves its exit code out: unknown.
    const command = events.find((e) => e.type === 'agent.command');
    expect(command).toMatchObject({ exitCode: null });
    expect(String(command?.command)).toContain('grep -c world greeting.txt');
    expect(String(command?.output)).toContain('GEMINI_API_KEY=corral-placeholder-key');
    expect(events.find((e) => e.type === 'agent.end')).toMatchObject({ ok: true });

    // The key: not in anything corral wrote, nor in the agent's environment; the stand-in
    // received only the real key, added by the gateway.
    const requests = api.requests();
    await expectKeyOnlyAtStandIn({
      dir,
      apiKey,
      printed: r.stdout + r.stderr,
      agentEnv: await agentEnv.env(),
      placeholderVar: 'GEMINI_API_KEY',
      keyHashes: requests.map((q) => q.keySha256),
    });
    const turns = requests.filter((q) => q.kind === 'turn');
    expect(turns.length).toBe(4);
    expect(turns[0]?.summary.tools).toContain('run_shell_command');
    expect(turns.slice(1).map((q) => q.summary.functionResponses)).toEqual([
      ['read_file'],
      ['replace'],
      ['run_shell_command'],
    ]);
    // The --context text reached the model, and is not on the branch.
    expect(turns[0]?.summary.lastUserText).toContain('corral-context-marker-31337');
    expect(repo.git('ls-tree', '-r', '--name-only', out.branch).trim().split('\n')).toEqual([
      'greeting.txt',
    ]);

    // Every model call went through the gateway, which metered it; the summary is their sum.
    const metered = events.filter((e) => e.type === 'gateway.usage');
    expect(metered.length).toBe(requests.length);
    expect(metered.every((e) => e.api === 'google')).toBe(true);
    const sum = (field: string) => metered.reduce((n, e) => n + Number(e[field] ?? 0), 0);
    expect(out.summary.inputTokens).toBe(sum('inputTokens'));
    expect(out.summary.outputTokens).toBe(sum('outputTokens'));
    expect(out.summary.outputTokens).toBeGreaterThan(0);
    // Nothing tried to leave: no update checks, no usage statistics.
    expect(events.filter((e) => e.type === 'egress' && e.allowed === false)).toEqual([]);
  });

  it('resume -p continues the same session', async () => {
    const ls = await corral(home, ['ls', '--json']);
    const first = ls.json<{ instances: Array<{ id: string; agentSessionId: string | null }> }>()
      .instances[0]!;
    const r = await corral(home, ['resume', first.id, '-p', 'what did you change?', '--json'], {
      cwd: repo.dir,
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<Outcome>().agentSessionId).toBe(first.agentSessionId);
    const logs = await corral(home, ['logs', first.id]);
    expect(logs.stdout).toContain('I changed greeting.txt earlier.');
    // The resumed turn carried the earlier conversation.
    const last = api
      .requests()
      .filter((q) => q.kind === 'turn')
      .at(-1);
    expect(last?.summary.lastUserText).toContain('what did you change?');
    expect(last?.summary.roles.length).toBeGreaterThan(6);
    expect((await corral(home, ['rm', first.id])).code).toBe(0);
    expect(await projectLeftovers(first.id)).toEqual([]);
  });

  it('a session in a terminal starts behind the fence without asking how to sign in', async () => {
    // Ctrl-C twice is how Gemini CLI's terminal UI ends; the reply must be on screen first.
    const r = await underPty(
      home,
      repo.dir,
      ['run', '--agent', 'gemini', '-i', '-p', 'say the marker'],
      { waitFor: 'corral-tui-reply-marker', keys: '\x03\x03' },
      env,
    );
    expect(r.screen).toContain('corral-tui-reply-marker');
    expect(r.screen).toContain('Authenticated with gemini-api-key');
    expect(r.screen).not.toContain(apiKey);
    const last = api
      .requests()
      .filter((q) => q.kind === 'turn')
      .at(-1);
    expect(last?.summary.lastUserText).toContain('say the marker');
  });
});
