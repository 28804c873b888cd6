/**
 * A battle between the real Claude Code and Codex CLIs (the agents image, each fenced behind
 * its gateway) against the project's stand-ins for their model APIs, on a network the test
 * made. Claude's scripted model fixes the bug with its Bash tool; Codex's makes a wrong fix
 * with a shell command. Each result is graded by the repository's own tests in a fresh
 * sandbox: Claude's resolves the task and ranks first, Codex's breaks the test that passed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import type {
  LoggedRequest as AnthropicRequest,
  ScriptTurn as AnthropicTurn,
} from '../helpers/stand-in/anthropic-stand-in.js';
import type {
  LoggedRequest as OpenAiRequest,
  ScriptTurn as OpenAiTurn,
} from '../helpers/stand-in/openai-stand-in.js';

const tag = `${process.pid}-battle`;

const claudeScript: AnthropicTurn[] = [
  {
    toolUse: {
      name: 'Bash',
      input: {
        command: "sed -i 's/day + 2/day + 1/' src/date.js && cat src/date.js",
        description: 'Fix the off-by-one',
      },
    },
  },
  { text: 'nextDay adds one now.' },
];

const codexScript: OpenAiTurn[] = [
  { shell: "sed -i 's/return day + 2;/return String(day + 1);/' src/date.js" },
  { text: 'Fixed, I think.' },
];

describe('a battle of the real Claude Code and Codex CLIs, against the stand-ins', () => {
  let network: ReturnType<typeof createTestNetwork>;
  let anthropic: StandInContainer<AnthropicRequest>;
  let openai: StandInContainer<OpenAiRequest>;
  let repo: TestRepo;
  let home: string;

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
    anthropic = await startModelStandIn<AnthropicRequest>('anthropic', {
      network: network.name,
      tag: `${tag}-a`,
      script: claudeScript,
    });
    openai = await startModelStandIn<OpenAiRequest>('openai', {
      network: network.name,
      tag: `${tag}-o`,
      script: codexScript,
    });
    repo = await makeRepo({
      'package.json': JSON.stringify({ type: 'module', scripts: { test: 'node --test' } }),
      'src/date.js': 'export function nextDay(day) {\n  return day + 2;\n}\n',
      'test/date.test.js': [
        "import { test } from 'node:test';",
        "import assert from 'node:assert/strict';",
        "import { nextDay } from '../src/date.js';",
        "test('next day adds one', () => assert.equal(nextDay(1), 2));",
        "test('returns a number', () => assert.equal(typeof nextDay(1), 'number'));",
        '',
      ].join('\n'),
    });
    home = await makeHome();
  });

  afterAll(() => {
    anthropic?.close();
    openai?.close();
    network?.remove();
  });

  it('grades each in a fresh sandbox and ranks the real fix first', async () => {
    const r = await corral(
      home,
      [
        'battle',
        '-p',
        'nextDay is off by one; fix it',
        '--agents',
        'claude,codex',
        '--test',
        'npm test --silent',
        '--parallel',
        '2',
        '--json',
      ],
      {
        cwd: repo.dir,
        env: {
          CORRAL_DOCKER_NETWORK: network.name,
          ANTHROPIC_BASE_URL: anthropic.url,
          ANTHROPIC_API_KEY: 'sk-ant-battle-0e1d2c3b',
          OPENAI_BASE_URL: `${openai.url}/v1`,
          OPENAI_API_KEY: 'sk-proj-battle-7f6e5d4c',
        },
        timeoutMs: 400_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{
      winner: string;
      contestants: Array<{
        name: string;
        branch: string;
        run: { status: string };
        grade: {
          resolved: boolean;
          failToPass: { passed: number; total: number };
          passToPass: { passed: number; total: number };
        };
      }>;
    }>();
    const by = Object.fromEntries(out.contestants.map((c) => [c.name, c]));
    expect(by.claude!.run.status).toBe('succeeded');
    expect(by.codex!.run.status).toBe('succeeded');
    expect(repo.show(by.claude!.branch, 'src/date.js')).toContain('return day + 1;');
    expect(repo.show(by.codex!.branch, 'src/date.js')).toContain('String(day + 1)');
    expect(by.claude!.grade).toMatchObject({
      resolved: true,
      failToPass: { passed: 1, total: 1 },
      passToPass: { passed: 1, total: 1 },
    });
    // A string is not the number 2: the bug stays, and the test that passed breaks.
    expect(by.codex!.grade).toMatchObject({ resolved: false, passToPass: { passed: 0, total: 1 } });
    expect(out.winner).toBe('claude');
    // Each agent really talked to its model through its gateway.
    expect(anthropic.requests().filter((q) => q.kind === 'turn').length).toBeGreaterThanOrEqual(2);
    expect(openai.requests().filter((q) => q.kind === 'turn').length).toBeGreaterThanOrEqual(2);
  }, 420_000);
});
