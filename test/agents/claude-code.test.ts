/**
 * The real Claude Code CLI (the pinned version, installed from npm into a cache) run as
 * the adapter launches it, against the Anthropic stand-in: it reads a file, edits it and
 * runs a command in a real git repository, and what it did shows up on disk and as
 * events; a second launch with the session id continues the same conversation.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agents/agent.js';
import { claudeCodeAgent } from '../../src/agents/claude-code/claude-code-agent.js';
import { ensureAgentCli, getPinnedVersion } from '../helpers/agent-cli.js';
import { giveToAgentUser, runLaunch, type AgentRun } from '../helpers/agent-process.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  defaultUsage,
  startAnthropicStandIn,
  type AnthropicStandIn,
} from '../helpers/stand-in/anthropic-stand-in.js';

const pkg = '@anthropic-ai/claude-code';

function ofType<T extends AgentEvent['type']>(events: AgentEvent[], type: T) {
  return events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
}

describe('claude code adapter, real CLI', () => {
  let binDir: string;
  let repo: TestRepo;
  let api: AnthropicStandIn;
  const temps: string[] = [];

  beforeAll(async () => {
    binDir = await ensureAgentCli({ pkg, version: getPinnedVersion(pkg), bin: 'claude' });
    repo = await makeRepo({ 'app.py': 'greeting = "hello"\n' });
    giveToAgentUser(repo.dir);
    temps.push(repo.dir);
    const file = join(repo.dir, 'app.py');
    api = await startAnthropicStandIn({
      script: [
        [
          { text: 'Let me look at the file.' },
          { toolUse: { name: 'Read', input: { file_path: file } } },
        ],
        {
          toolUse: {
            name: 'Edit',
            input: { file_path: file, old_string: '"hello"', new_string: '"hello, corral"' },
          },
        },
        {
          toolUse: {
            name: 'Bash',
            input: { command: 'grep -c corral app.py', description: 'Check' },
          },
        },
        { text: 'Done: the greeting now mentions corral.' },
        // The resumed conversation.
        { text: 'I changed the greeting in app.py.' },
      ],
    });
  });

  afterAll(async () => {
    await api?.close();
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  async function run(prompt: string, sessionId: string | null): Promise<AgentRun> {
    // A fresh HOME each time: a resume must not depend on what the last one left there.
    const home = await mkdtemp(join(tmpdir(), 'corral-claude-home-'));
    temps.push(home);
    const stateDir = join(repo.dir, '.git', 'corral');
    const launch = claudeCodeAgent.launch({
      prompt,
      interactive: false,
      args: [],
      sessionId,
      context: 'You work inside a corral sandbox.',
      workdir: repo.dir,
      stateDir,
    });
    return runLaunch(claudeCodeAgent, launch, {
      cwd: repo.dir,
      stateDir,
      home,
      pathDirs: [binDir],
      env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: 'sk-ant-stand-in' },
    });
  }

  let sessionId = '';

  it('reads, edits and runs a command; the events tell what it did', async () => {
    const r = await run('Make the greeting mention corral.', null);
    const evidence = `exit ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout.slice(-3000)}`;
    expect(r.code, evidence).toBe(0);

    expect(await readFile(join(repo.dir, 'app.py'), 'utf8')).toBe('greeting = "hello, corral"\n');

    const session = ofType(r.events, 'agent.session');
    expect(session).toHaveLength(1);
    sessionId = session[0]?.sessionId ?? '';
    expect(sessionId).toMatch(/\S/);

    const file = join(repo.dir, 'app.py');
    expect(ofType(r.events, 'agent.tool-call').map((e) => [e.tool, e.target])).toEqual([
      ['Read', file],
      ['Edit', file],
      ['Bash', 'grep -c corral app.py'],
    ]);
    expect(ofType(r.events, 'agent.text').map((e) => e.text)).toEqual([
      'Let me look at the file.',
      'Done: the greeting now mentions corral.',
    ]);
    expect(ofType(r.events, 'agent.tool-result').every((e) => e.ok)).toBe(true);
    expect(ofType(r.events, 'agent.command')).toEqual([
      { type: 'agent.command', command: 'grep -c corral app.py', exitCode: 0, output: '1' },
    ]);
    expect(ofType(r.events, 'agent.file-change')).toEqual([
      { type: 'agent.file-change', path: file, change: 'modify' },
    ]);

    // Four turns, each reporting the stand-in's usage, in one result.
    const turns = api.turns();
    expect(turns.map((t) => t.turn)).toEqual([0, 1, 2, 3]);
    const usage = ofType(r.events, 'agent.usage');
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({
      model: turns[0]?.summary.model,
      inputTokens: 4 * defaultUsage.input_tokens,
      outputTokens: 4 * defaultUsage.output_tokens,
      cacheReadTokens: 4 * defaultUsage.cache_read_input_tokens,
      cacheWriteTokens: 4 * defaultUsage.cache_creation_input_tokens,
    });
    expect(usage[0]?.costUsd).toBeGreaterThan(0);

    expect(r.events.at(-1)).toEqual({
      type: 'agent.end',
      ok: true,
      result: 'Done: the greeting now mentions corral.',
      denials: [],
    });
    // Every line the CLI printed was understood.
    expect(ofType(r.events, 'raw'), r.stdout).toEqual([]);
    // The context text reached the system prompt.
    expect(JSON.stringify(turns[0]?.body)).toContain('You work inside a corral sandbox.');
  });

  it('continues the same conversation with the session id', async () => {
    expect(sessionId, 'the first run gave a session id').toMatch(/\S/);
    const before = api.turns().length;
    const r = await run('What did you change?', sessionId);
    expect(r.code, `stderr: ${r.stderr}\nstdout: ${r.stdout.slice(-3000)}`).toBe(0);

    const turns = api.turns().slice(before);
    expect(turns.map((t) => t.turn)).toEqual([4]);
    // The stand-in sees the earlier conversation: the first prompt, the tool calls and their
    // results, the last answer, then the new prompt.
    const sent = JSON.stringify(turns[0]?.body);
    expect(sent).toContain('Make the greeting mention corral.');
    expect(sent).toContain('grep -c corral app.py');
    expect(sent).toContain('Done: the greeting now mentions corral.');
    expect(turns[0]?.summary.lastUserText).toContain('What did you change?');
    expect(turns[0]?.summary.roles.filter((role) => role === 'assistant')).toHaveLength(4);

    expect(ofType(r.events, 'agent.session').map((e) => e.sessionId)).toEqual([sessionId]);
    expect(r.events.at(-1)).toEqual({
      type: 'agent.end',
      ok: true,
      result: 'I changed the greeting in app.py.',
      denials: [],
    });
    expect(ofType(r.events, 'agent.usage')[0]).toMatchObject({
      inputTokens: defaultUsage.input_tokens,
      outputTokens: defaultUsage.output_tokens,
    });
  });
});
