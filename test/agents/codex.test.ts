/**
 * The real Codex CLI (the version the sandbox image pins), run on the host as the codex
 * adapter's `launch()` says — argv, environment, files — against a local stand-in for the
 * OpenAI Responses API, in a real git repository: it reads a file, patches it, runs
 * commands, and a second run resumes the same session. Its output goes through the
 * adapter's parser, as the orchestrator would do it. Run as an unprivileged user with a
 * temporary HOME when the tests run as root, like the sandbox's non-root agent.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agents/agent.js';
import { codexAgent, type CodexLaunchRequest } from '../../src/agents/codex/codex-agent.js';
import { LineSplitter } from '../../src/events/line-splitter.js';
import { ensureNpmCli } from '../helpers/cached-npm-cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  defaultUsage,
  startOpenAIStandIn,
  type OpenAIStandIn,
  type ScriptTurn,
  type Usage,
} from '../helpers/stand-in/openai-stand-in.js';

const versions = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../images/sandbox/agent-versions.json'), 'utf8'),
) as Record<string, string>;
const codexVersion = versions['@openai/codex'] ?? '';

/** As root, run Codex as `nobody`; otherwise as ourselves. */
const runAs = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null;

const context = 'House rule for this test: answer in one short sentence.';
const commandUsage: Usage = {
  input_tokens: 2000,
  cached_tokens: 1500,
  output_tokens: 30,
  reasoning_tokens: 3,
};
const patch = `*** Begin Patch
*** Update File: greeting.txt
@@
-hello
+hello, world
*** Add File: notes/todo.txt
+write more tests
*** End Patch
`;
const script: ScriptTurn[] = [
  [
    { reasoning: 'Read it first.' },
    { text: 'Looking at the greeting.' },
    { shell: 'cat greeting.txt' },
  ],
  { patch },
  { items: [{ shell: 'grep -c world greeting.txt && ls missing-file' }], usage: commandUsage },
  { text: 'The greeting now says hello, world.' },
  // The resumed session.
  { shell: 'cat notes/todo.txt' },
  { text: 'Only the tests are left.' },
];

interface Run {
  exitCode: number | null;
  events: AgentEvent[];
  stdout: string;
  stderr: string;
}

/** One run of the scenario: a model choice, its own repository, home and stand-in. */
interface Setup {
  bin: string;
  root: string;
  repo: TestRepo;
  api: OpenAIStandIn;
  args: string[];
}

async function chownTree(path: string): Promise<void> {
  if (!runAs) return;
  await chown(path, runAs.uid, runAs.gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child);
    else await chown(child, runAs.uid, runAs.gid);
  }
}

/** Writes the adapter's files and returns its launch, plus the environment around it. */
async function prepare(
  { bin, root, repo, api, args }: Setup,
  request: Partial<CodexLaunchRequest>,
): Promise<{ argv: string[]; env: Record<string, string> }> {
  const stateDir = join(repo.dir, '.git', 'corral');
  const launch = codexAgent.launch({
    prompt: null,
    interactive: false,
    args,
    sessionId: null,
    context,
    workdir: repo.dir,
    stateDir,
    endpoints: { OPENAI_BASE_URL: api.url },
    ...request,
  });
  for (const file of launch.files) {
    await mkdir(dirname(join(stateDir, file.path)), { recursive: true });
    await writeFile(join(stateDir, file.path), file.content);
  }
  await chownTree(root);
  await chownTree(repo.dir);
  const env = {
    PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: join(root, 'home'),
    // Not containing CODEX_HOME (the state dir), or Codex keeps its helpers off the PATH.
    TMPDIR: join(root, 'tmp'),
    OPENAI_API_KEY: 'sk-stand-in',
    ...launch.env,
  };
  return { argv: launch.argv, env };
}

/** Runs Codex headless as the adapter describes it, stdin closed, and parses its output. */
async function runCodex(setup: Setup, request: Partial<CodexLaunchRequest>): Promise<Run> {
  const launch = await prepare(setup, request);
  const [command, ...args] = launch.argv;
  const parser = codexAgent.createParser();
  const events: AgentEvent[] = [];
  const splitter = new LineSplitter((line) => events.push(...parser.line(line)));
  let stdout = '';
  let stderr = '';
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(command ?? 'codex', args, {
      cwd: setup.repo.dir,
      env: launch.env,
      // The orchestrator closes stdin: `codex exec` reads it to the end before starting.
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(runAs ?? {}),
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      splitter.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  splitter.end();
  events.push(...parser.end());
  return { exitCode, events, stdout, stderr };
}

function ofType<T extends AgentEvent['type']>(
  events: AgentEvent[],
  type: T,
): Extract<AgentEvent, { type: T }>[] {
  return events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
}

/** The usage the adapter should report for the first `turns` turns of the script. */
function expectedUsage(turns: number) {
  const used = script
    .slice(0, turns)
    .map((t) => (!Array.isArray(t) && 'items' in t && t.usage ? t.usage : defaultUsage));
  const sum = (key: keyof Usage) => used.reduce((n, u) => n + u[key], 0);
  return {
    inputTokens: sum('input_tokens') - sum('cached_tokens'),
    cacheReadTokens: sum('cached_tokens'),
    outputTokens: sum('output_tokens'),
  };
}

const scenarios = [
  // 0.169's default model works in "code mode": one JavaScript `exec` tool calling the others.
  { label: 'its default model (code mode)', args: [] },
  // A model with the classic tools: `exec_command` and a freeform `apply_patch`.
  { label: '-m gpt-5.5 (direct tools)', args: ['-m', 'gpt-5.5'] },
];

async function makeSetup(args: string[]): Promise<Setup> {
  const root = await mkdtemp(join(tmpdir(), 'corral-codex-'));
  await mkdir(join(root, 'home'));
  await mkdir(join(root, 'tmp'));
  return {
    bin: await ensureNpmCli('@openai/codex', codexVersion, 'codex'),
    root,
    repo: await makeRepo({ 'greeting.txt': 'hello\n' }),
    api: await startOpenAIStandIn({ script }),
    args,
  };
}

async function disposeSetup(setup: Setup | undefined): Promise<void> {
  if (!setup) return;
  await setup.api.close();
  await rm(setup.root, { recursive: true, force: true });
  await rm(setup.repo.dir, { recursive: true, force: true });
}

describe.each(scenarios)(`codex ${codexVersion} against the stand-in, $label`, ({ args }) => {
  let setup: Setup;
  let sessionId: string;

  beforeAll(async () => {
    setup = await makeSetup(args);
  });
  afterAll(() => disposeSetup(setup));

  it('reads a file, patches it and runs commands, reporting each as an event', async () => {
    const { repo } = setup;
    const first = await runCodex(setup, { prompt: 'Make the greeting say hello, world.' });
    const why = `stdout:\n${first.stdout}\nstderr:\n${first.stderr}`;
    expect(first.exitCode, why).toBe(0);

    // The work is on disk.
    expect(await readFile(join(repo.dir, 'greeting.txt'), 'utf8')).toBe('hello, world\n');
    expect(await readFile(join(repo.dir, 'notes', 'todo.txt'), 'utf8')).toBe('write more tests\n');
    // And nothing of corral's or Codex's is in what git would commit.
    const status = repo.git('-c', 'safe.directory=*', 'status', '--porcelain', '-uall');
    expect(status.split('\n').filter(Boolean).sort()).toEqual([
      ' M greeting.txt',
      '?? notes/todo.txt',
    ]);

    // Codex ran as the unprivileged user: what it wrote in its home is that user's.
    if (runAs) {
      const sessions = await stat(join(repo.dir, '.git', 'corral', 'codex-home', 'sessions'));
      expect(sessions.uid).toBe(runAs.uid);
    }

    // Every line of output was understood.
    expect(ofType(first.events, 'raw'), why).toEqual([]);
    const session = ofType(first.events, 'agent.session');
    expect(session).toHaveLength(1);
    sessionId = session[0]?.sessionId ?? '';
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    expect(ofType(first.events, 'agent.command')).toEqual([
      { type: 'agent.command', command: 'cat greeting.txt', exitCode: 0, output: 'hello\n' },
      {
        type: 'agent.command',
        command: 'grep -c world greeting.txt && ls missing-file',
        exitCode: 2,
        output: expect.stringMatching(/^1\nls: cannot access 'missing-file'/) as unknown,
      },
    ]);
    expect(ofType(first.events, 'agent.tool-call').map((e) => [e.tool, e.target])).toEqual([
      ['shell', 'cat greeting.txt'],
      ['apply_patch', '2 files'],
      ['shell', 'grep -c world greeting.txt && ls missing-file'],
    ]);
    expect(ofType(first.events, 'agent.file-change')).toEqual([
      { type: 'agent.file-change', path: join(repo.dir, 'greeting.txt'), change: 'modify' },
      { type: 'agent.file-change', path: join(repo.dir, 'notes', 'todo.txt'), change: 'add' },
    ]);
    expect(ofType(first.events, 'agent.usage')).toEqual([
      { type: 'agent.usage', model: null, ...expectedUsage(4), cacheWriteTokens: 0, costUsd: null },
    ]);
    expect(first.events.at(-1)).toEqual({
      type: 'agent.end',
      ok: true,
      result: 'The greeting now says hello, world.',
      denials: [],
    });
    expect(ofType(first.events, 'agent.error')).toEqual([]);
  });

  it('sent the model the context and the tool results, and asked nothing else', () => {
    const { api } = setup;
    // Codex 0.169 with a custom Responses provider: only POST /v1/responses.
    expect(api.requests.map((r) => `${r.method} ${r.path} ${r.kind}`)).toEqual(
      Array(4).fill('POST /v1/responses turn'),
    );
    const [firstTurn, afterCat] = api.turns();
    expect(JSON.stringify(firstTurn?.body)).toContain(context);
    expect(firstTurn?.summary.lastUserText).toBe('Make the greeting say hello, world.');
    // The tools Codex declared, and the command's result it sent back through them.
    const tools = firstTurn?.summary.tools ?? [];
    if (args.length === 0) expect(tools).toContain('exec (custom)');
    else expect(tools).toEqual(expect.arrayContaining(['exec_command', 'apply_patch (custom)']));
    const catOutput = afterCat?.summary.toolOutputs.at(-1)?.output ?? '';
    expect(catOutput).toMatch(/"exit_code":0|exited with code 0/);
    expect(catOutput).toContain('hello');
  });

  it('resumes the same session and carries on from where it was', async () => {
    const { api } = setup;
    const resumed = await runCodex(setup, { prompt: 'What is left to do?', sessionId });
    const why = `stdout:\n${resumed.stdout}\nstderr:\n${resumed.stderr}`;
    expect(resumed.exitCode, why).toBe(0);
    expect(ofType(resumed.events, 'raw'), why).toEqual([]);
    expect(ofType(resumed.events, 'agent.session')).toEqual([{ type: 'agent.session', sessionId }]);
    expect(ofType(resumed.events, 'agent.command')).toEqual([
      {
        type: 'agent.command',
        command: 'cat notes/todo.txt',
        exitCode: 0,
        output: 'write more tests\n',
      },
    ]);
    expect(resumed.events.at(-1)).toEqual({
      type: 'agent.end',
      ok: true,
      result: 'Only the tests are left.',
      denials: [],
    });

    // The model saw the earlier conversation: the first prompt and the first answer.
    const resumeTurn = api.turns()[4];
    expect(resumeTurn?.summary.lastUserText).toBe('What is left to do?');
    const input = JSON.stringify(resumeTurn?.body);
    expect(input).toContain('Make the greeting say hello, world.');
    expect(input).toContain('The greeting now says hello, world.');
    expect(api.turns().map((t) => t.turn)).toEqual([0, 1, 2, 3, 4, 5]);

    // Codex reports the thread's running total: the first run's usage and the resumed turns'.
    expect(ofType(resumed.events, 'agent.usage')).toEqual([
      expect.objectContaining(expectedUsage(6)),
    ]);
  });
});

/** Quotes one word for `sh`. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

async function waitFor(what: string, ready: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Processes whose command line mentions `text`. */
async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(`${pid} ${cmdline.replace(/\0/g, ' ')}`);
  }
  return found;
}

describe(`codex ${codexVersion} interactive, in a terminal`, () => {
  let setup: Setup;

  beforeAll(async () => {
    setup = await makeSetup([]);
  });
  afterAll(() => disposeSetup(setup));

  it('works through the prompt with no question asked, and leaves no server behind', async () => {
    const { api, repo } = setup;
    const launch = await prepare(setup, {
      interactive: true,
      prompt: 'Make the greeting say hello, world.',
    });
    const codexHome = launch.env.CODEX_HOME ?? '';
    // `script` gives the TUI a terminal; its stdin stays open, as a user's would.
    const child = spawn('script', ['-qfec', launch.argv.map(shellQuote).join(' '), '/dev/null'], {
      cwd: repo.dir,
      env: { ...launch.env, TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      ...(runAs ?? {}),
    });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    try {
      await waitFor(
        'the TUI to play the script',
        () => api.turns().length >= 4 && api.requests.some((r) => r.kind === 'side'),
        60_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; the terminal showed:\n${screen.slice(-2000)}`);
      });
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }

    // No trust screen, no approval: the edit is on disk.
    expect(await readFile(join(repo.dir, 'greeting.txt'), 'utf8')).toBe('hello, world\n');
    expect(api.turns()[0]?.summary.lastUserText).toBe('Make the greeting say hello, world.');
    // Besides the conversation, the TUI asks for a thread title, in a thread of its own.
    expect(api.requests.filter((r) => r.kind === 'side').map((r) => r.codex)).toEqual([
      { kind: 'turn', threadSource: 'thread_title' },
    ]);
    // The background app-server daemon is off: no copy of Codex in its home, nothing running.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const leftovers = await processesMentioning(codexHome);
    for (const line of leftovers) {
      try {
        process.kill(Number(line.split(' ')[0]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    expect(existsSync(join(codexHome, 'packages'))).toBe(false);
    expect(leftovers).toEqual([]);
  });
});
