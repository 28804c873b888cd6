/**
 * A budget below what a scripted conversation costs, held by the gateway from its own
 * metering, against the real CLIs: Claude Code fenced on docker (--budget-tokens) and Codex
 * on the local backend (--budget-usd, priced by prices.json). Each turn writes a file and
 * costs a known amount; the budget lets two turns through and refuses the third call with
 * the API's quota error, on which the CLI stops (one refusal, no retries); the instance
 * ends budget-exceeded with exit 9 and the two files on its branch, not the third. Resumed,
 * the budget still holds (the earlier spend counts) until a larger one is given.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { ensureAgentCli, getPinnedVersion } from '../helpers/agent-cli.js';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import {
  defaultUsage as anthropicUsage,
  type LoggedRequest as AnthropicRequest,
  type ScriptTurn as AnthropicTurn,
} from '../helpers/stand-in/anthropic-stand-in.js';
import {
  defaultUsage as openaiUsage,
  startOpenAIStandIn,
  type OpenAIStandIn,
  type ScriptTurn as OpenAITurn,
} from '../helpers/stand-in/openai-stand-in.js';

const tag = `${process.pid}-budget`;

interface Outcome {
  id: string;
  status: string;
  exitCode: number | null;
  branch: string;
  message: string | null;
  summary: { modelCallsDenied: number; inputTokens: number };
}

/** The files on the branch, and what the events say about the model calls, in order. */
async function evidence(home: string, repo: TestRepo, out: Outcome) {
  const files = repo.git('ls-tree', '-r', '--name-only', out.branch).trim().split('\n');
  const events = await readEvents(home, out.id);
  const calls = events
    .filter((e) => e.type === 'gateway.usage' || e.type === 'gateway.denied')
    .map((e) => (e.type === 'gateway.denied' ? `denied:${String(e.reason)}` : 'metered'));
  const ended = events.find((e) => e.type === 'instance.ended');
  // What the agent's CLI itself said: it ends its turn on the refusal, or retries it.
  const said = events
    .filter((e) => e.type === 'agent.error' || e.type === 'agent.end' || e.type === 'agent.text')
    .map((e) => [e.message, e.result, e.text].filter((v) => typeof v === 'string').join(' '));
  const agentEnded = events.some((e) => e.type === 'agent.end');
  return { files, calls, ended, said, agentEnded };
}

describe('claude on docker with --budget-tokens', () => {
  // Each turn reports 321 + 45 + 1000 + 67 = 1433 tokens: two turns spend 2866.
  const perTurn =
    anthropicUsage.input_tokens +
    anthropicUsage.output_tokens +
    anthropicUsage.cache_read_input_tokens +
    anthropicUsage.cache_creation_input_tokens;
  const script: AnthropicTurn[] = ['one', 'two', 'three'].map((name) => ({
    toolUse: {
      name: 'Write',
      input: { file_path: `/workspace/${name}.txt`, content: `${name}\n` },
    },
  }));
  script.push({ text: 'All three written.' });

  let network: ReturnType<typeof createTestNetwork>;
  let api: StandInContainer<AnthropicRequest>;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let id = '';

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
    api = await startModelStandIn<AnthropicRequest>('anthropic', {
      network: network.name,
      tag,
      script,
    });
    repo = await makeRepo({ 'README.md': '# budget\n' });
    home = await makeHome();
    env = {
      CORRAL_DOCKER_NETWORK: network.name,
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: 'sk-ant-budget-3c5e7a9b1d',
    };
  });

  afterAll(async () => {
    if (id) await corral(home, ['rm', id]);
    api?.close();
    network?.remove();
  });

  it('stops at the third call: budget-exceeded, exit 9, the first two files on the branch', async () => {
    expect(2 * perTurn).toBeGreaterThanOrEqual(2000);
    const r = await corral(
      home,
      [
        'run',
        '--agent',
        'claude',
        '--budget-tokens',
        '2000',
        '--keep',
        '-p',
        'write the files',
        '--json',
      ],
      { cwd: repo.dir, env },
    );
    expect(r.code, r.stderr).toBe(9);
    const out = r.json<Outcome>();
    id = out.id;
    expect(out.status).toBe('budget-exceeded');
    expect(out.message).toContain(`the budget is spent: ${2 * perTurn} of 2000 tokens`);
    const { files, calls, ended, said, agentEnded } = await evidence(home, repo, out);
    expect(files.sort()).toEqual(['README.md', 'one.txt', 'two.txt']);
    // Two turns metered, then one refusal, which Claude Code took as final: it said so and
    // ended its turn itself, no "retry 1/10" (the supervisor stops it either way).
    expect(calls).toEqual(['metered', 'metered', 'denied:budget']);
    expect(agentEnded).toBe(true);
    expect(said.join('\n')).toContain('the budget is spent');
    expect(said.join('\n')).not.toMatch(/retry \d+\/\d+/);
    expect(ended).toMatchObject({ status: 'budget-exceeded' });
    expect(out.summary.modelCallsDenied).toBe(1);
    expect(
      api
        .requests()
        .filter((q) => q.kind === 'turn')
        .map((q) => q.turn),
    ).toEqual([0, 1]);
    const ls = await corral(home, ['ls']);
    expect(ls.stdout).toContain('budget-exceeded');
  });

  it('resumed, still holds the spent budget; a larger one lets it finish', async () => {
    const refused = await corral(home, ['resume', id, '-p', 'go on'], { cwd: repo.dir, env });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`${id} has spent ${2 * perTurn} of its 2000-token budget.`);
    const r = await corral(
      home,
      ['resume', id, '--budget-tokens', '10k', '-p', 'go on', '--json'],
      { cwd: repo.dir, env },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    expect(out.status).toBe('succeeded');
    expect(repo.show(out.branch, 'three.txt')).toBe('three\n');
    const policy = await corral(home, ['policy', id]);
    expect(policy.stdout).toMatch(/budget: \d+ of 10000 tokens/);
  });
});

describe('codex on the local backend with --budget-usd', () => {
  // Each turn: 221 input + 100 cached + 45 output = 366 tokens at $1000 per million: $0.366.
  const perTurnUsd =
    (openaiUsage.input_tokens -
      openaiUsage.cached_tokens +
      openaiUsage.cached_tokens +
      openaiUsage.output_tokens) /
    1000;
  const script: OpenAITurn[] = [
    { shell: 'echo one > one.txt' },
    { shell: 'echo two > two.txt' },
    { shell: 'echo three > three.txt' },
    { text: 'All three written.' },
  ];
  let api: OpenAIStandIn;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const pkg = '@openai/codex';
    const binDir = await ensureAgentCli({ pkg, version: getPinnedVersion(pkg), bin: 'codex' });
    api = await startOpenAIStandIn({ script });
    repo = await makeRepo({ 'README.md': '# budget\n' });
    home = await makeHome();
    env = {
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
      OPENAI_BASE_URL: api.url,
      OPENAI_API_KEY: 'sk-proj-budget-8d6f4b2a0c',
    };
  });

  afterAll(async () => {
    await api?.close();
  });

  it('refuses --budget-usd without a price, before anything is made', async () => {
    const r = await corral(
      home,
      ['run', '--backend', 'local', '--agent', 'codex', '--budget-usd', '0.5', '-p', 'x'],
      { cwd: repo.dir, env },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `--budget-usd needs prices, and ${join(home, 'prices.json')} has none.`,
    );
    await writeFile(
      join(home, 'prices.json'),
      JSON.stringify({ 'gpt-': { input: 1000, output: 1000 } }),
    );
    const unpriced = await corral(
      home,
      [
        'run',
        '--backend',
        'local',
        '--agent',
        'codex',
        '--model',
        'o9-unpriced',
        '--budget-usd',
        '0.5',
        '-p',
        'x',
      ],
      { cwd: repo.dir, env },
    );
    expect(unpriced.code).toBe(2);
    expect(unpriced.stderr).toContain('has no price for the model o9-unpriced.');
    expect(
      (await corral(home, ['ls', '--json'])).json<{ instances: unknown[] }>().instances,
    ).toEqual([]);
  });

  it('stops at the third call: budget-exceeded, exit 9, the first two files on the branch', async () => {
    expect(2 * perTurnUsd).toBeGreaterThanOrEqual(0.5);
    const r = await corral(
      home,
      [
        'run',
        '--backend',
        'local',
        '--agent',
        'codex',
        '--budget-usd',
        '0.5',
        '-p',
        'write the files',
        '--json',
      ],
      { cwd: repo.dir, env },
    );
    expect(r.code, r.stderr).toBe(9);
    const out = r.json<Outcome>();
    expect(out.status).toBe('budget-exceeded');
    expect(out.message).toContain(`the budget is spent: $${(2 * perTurnUsd).toFixed(4)} of $0.5`);
    const { files, calls, ended, said, agentEnded } = await evidence(home, repo, out);
    expect(files.sort()).toEqual(['README.md', 'one.txt', 'two.txt']);
    // Codex took "insufficient_quota" as final: one refusal, its own words, no retry.
    expect(calls).toEqual(['metered', 'metered', 'denied:budget']);
    expect(agentEnded).toBe(true);
    expect(said.join('\n')).toContain('Quota exceeded');
    expect(ended).toMatchObject({ status: 'budget-exceeded' });
    expect(api.turns().map((q) => q.turn)).toEqual([0, 1]);
  });
});
