/**
 * Codex for real, the way a user runs it: `corral run --agent codex -p …` in the docker
 * sandbox (the agents image, the pinned CLI), fenced behind its gateway, which forwards to
 * the OpenAI Responses stand-in running as a container on a network the test made. The
 * scripted model reads a file, patches it and runs a command; the branch has the edit, the
 * events hold the commands with their exit codes, the file changes and the metered usage;
 * the agent holds only a placeholder while the stand-in gets the real key; the key appears
 * nowhere corral writes, and `corral resume -p` continues the same session.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { expectKeyOnlyAtStandIn, projectLeftovers, watchAgentEnv } from '../helpers/fence.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import type { LoggedRequest, ScriptTurn } from '../helpers/stand-in/openai-stand-in.js';

const apiKey = 'sk-proj-test-4e8a2c6b0d9f';
const tag = `${process.pid}-codex`;

const patch = `*** Begin Patch
*** Update File: greeting.txt
@@
-hello
+hello, world
*** End Patch
`;
const script: ScriptTurn[] = [
  [{ text: 'Looking at the greeting.' }, { shell: 'cat greeting.txt' }],
  { patch },
  {
    shell: 'grep -c world greeting.txt && env | grep -c OPENAI_API_KEY= && env && ls missing-file',
  },
  { text: 'The greeting now says hello, world.' },
  // The resumed session.
  { text: 'I changed greeting.txt earlier.' },
];

interface Outcome {
  id: string;
  status: string;
  branch: string;
  agentSessionId: string | null;
  summary: { toolCalls: number; filesChanged: number; outputTokens: number };
}

describe('codex in the fenced docker sandbox, against the stand-in', () => {
  let network: ReturnType<typeof createTestNetwork>;
  let api: StandInContainer<LoggedRequest>;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let contextFile: string;

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
    api = await startModelStandIn<LoggedRequest>('openai', {
      network: network.name,
      tag: tag,
      script,
    });
    repo = await makeRepo({ 'greeting.txt': 'hello\n' });
    home = await makeHome();
    contextFile = join(home, 'ROLE.md');
    await writeFile(contextFile, 'House rule: mention corral-context-marker-31337.\n');
    env = {
      CORRAL_DOCKER_NETWORK: network.name,
      OPENAI_BASE_URL: `${api.url}/v1`,
      OPENAI_API_KEY: apiKey,
    };
  });

  afterAll(() => {
    api?.close();
    network?.remove();
  });

  it('reads, patches and runs; the branch, the events and the summary show it; the key is nowhere', async () => {
    const agentEnv = watchAgentEnv(home);
    const r = await corral(
      home,
      [
        'run',
        '--context',
        contextFile,
        '--agent',
        'codex',
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
    expect(out.summary.outputTokens).toBeGreaterThan(0);

    const dir = join(home, 'instances', out.id);
    const events = await readEvents(home, out.id);
    const commands = events
      .filter((e) => e.type === 'agent.command')
      .map((e) => [e.command, e.exitCode]);
    expect(commands[0]).toEqual(['cat greeting.txt', 0]);
    expect(String(commands[1]?.[0])).toContain('grep -c world greeting.txt');
    expect(commands[1]?.[1]).not.toBe(0);
    expect(events.filter((e) => e.type === 'agent.file-change').map((e) => e.path)).toEqual([
      expect.stringContaining('greeting.txt'),
    ]);
    expect(events.some((e) => e.type === 'agent.usage')).toBe(true);
    expect(events.find((e) => e.type === 'agent.end')).toMatchObject({ ok: true });

    // The agent container and process held only the placeholder; every request reached the
    // stand-in with the real key, added by the gateway, which metered each into the events.
    const requests = api.requests();
    await expectKeyOnlyAtStandIn({
      dir,
      apiKey,
      printed: r.stdout + r.stderr,
      agentEnv: await agentEnv.env(),
      placeholderVar: 'OPENAI_API_KEY',
      keyHashes: requests.map((q) => q.keySha256),
    });
    expect(requests.filter((q) => q.kind === 'turn').length).toBeGreaterThanOrEqual(4);
    const metered = events.filter((e) => e.type === 'gateway.usage');
    expect(metered.length).toBeGreaterThanOrEqual(4);
    expect(metered.every((e) => e.api === 'openai')).toBe(true);
    // The --context text reached the model, and is not on the branch.
    const turns = api.requests().filter((q) => q.kind === 'turn');
    expect(JSON.stringify(turns[0]?.body)).toContain('corral-context-marker-31337');
    expect(repo.git('ls-tree', '-r', '--name-only', out.branch).trim().split('\n')).toEqual([
      'greeting.txt',
    ]);
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
    // The kept instance's stopped project stays until rm.
    expect((await projectLeftovers(first.id)).length).toBeGreaterThan(0);
    expect((await corral(home, ['rm', first.id])).code).toBe(0);
    expect(await projectLeftovers(first.id)).toEqual([]);
  });
});
