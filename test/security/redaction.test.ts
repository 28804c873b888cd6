/**
 * Redaction, end to end: the real key gets into a run's output and is found nowhere corral
 * writes or prints. The key never enters the sandbox, so it comes the way it would in the
 * wild: the model API hands it back (an upstream that quotes the request's key, a
 * prompt-injected conversation), in text Claude Code prints, 160 KB of the key back to
 * back in one line, which the pipe (local) or the engine's stream (docker) delivers in
 * several chunks, so the key is split across chunk boundaries; and a command the model
 * has the agent run prints it in two halves, a second apart. On docker (fenced, the
 * stand-in in a container) and local (the stand-in on loopback), the key is in none of
 * output.log, events.ndjson, metadata.json or the gateway's logs, in none of what
 * `corral run` (its JSON on stdout, the live view on stderr), `corral logs` (rendered,
 * --raw, --json, -f --json) and `corral ls --json` print; and `[redacted]` is there in
 * its place (the key did reach the output, and was replaced).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { ensureAgentCli, getPinnedVersion } from '../helpers/agent-cli.js';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import {
  startAnthropicStandIn,
  type AnthropicStandIn,
  type LoggedRequest,
  type ScriptTurn,
} from '../helpers/stand-in/anthropic-stand-in.js';

const apiKey = 'sk-ant-redact-7e1f3c9a5b2d4f6e8a0c';
const half = apiKey.length / 2;

const script: ScriptTurn[] = [
  [
    // Back to back: wherever a chunk ends inside this text, it ends inside a key.
    { text: `Here is what I was sent: ${apiKey.repeat(4000)}` },
    {
      toolUse: {
        name: 'Bash',
        input: {
          command: `printf %s '${apiKey.slice(0, half)}'; sleep 1; printf '%s\\n' '${apiKey.slice(half)}'`,
          description: 'Print it in two halves',
        },
      },
    },
  ],
  { text: `And once more: ${apiKey}. Done.` },
];

/** Every place corral writes or prints about instance `id` of `home`. */
async function expectRedactedEverywhere(home: string, id: string, printed: string[]) {
  const dir = join(home, 'instances', id);
  const files = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name);
  expect(files).toEqual(expect.arrayContaining(['output.log', 'events.ndjson', 'metadata.json']));
  for (const f of files) {
    expect(await readFile(join(dir, f), 'utf8'), f).not.toContain(apiKey);
  }
  const views = [
    await corral(home, ['logs', id]),
    await corral(home, ['logs', id, '--raw']),
    await corral(home, ['logs', id, '--json']),
    await corral(home, ['logs', id, '-f', '--json']),
    await corral(home, ['ls', '--json']),
  ];
  for (const [i, v] of views.entries()) {
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout + v.stderr, `view ${i}`).not.toContain(apiKey);
  }
  for (const text of printed) expect(text).not.toContain(apiKey);

  // The key did reach the output: its every copy is marked where it was.
  const output = await readFile(join(dir, 'output.log'), 'utf8');
  expect(output.split('[redacted]').length - 1).toBeGreaterThanOrEqual(4000);
  expect(await readFile(join(dir, 'events.ndjson'), 'utf8')).toContain('[redacted]');
  for (const [i, v] of views.slice(0, 4).entries()) {
    expect(v.stdout, `view ${i}`).toContain('[redacted]');
  }
  // The halves printed a second apart arrive as one redacted line of the tool's output.
  expect(views[2]!.stdout).toMatch(/"output": "\[redacted\](\\n)?"/);
}

async function runAgent(home: string, repo: string, env: NodeJS.ProcessEnv, backend: string) {
  const r = await corral(
    home,
    ['run', '--backend', backend, '--agent', 'claude', '-p', 'tell me what you got', '--json'],
    { cwd: repo, env },
  );
  expect(r.code, r.stderr).toBe(0);
  // The live view (stderr, with --json) shows where the key was.
  expect(r.stderr).toContain('[redacted]');
  return { id: r.json<{ id: string }>().id, printed: [r.stdout, r.stderr] };
}

describe('redaction on docker (fenced)', () => {
  const tag = `${process.pid}-redact`;
  let network: ReturnType<typeof createTestNetwork>;
  let api: StandInContainer<LoggedRequest>;

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
    api = await startModelStandIn<LoggedRequest>('anthropic', {
      network: network.name,
      tag,
      script,
    });
  });

  afterAll(() => {
    api?.close();
    network?.remove();
  });

  it('keeps the key the model hands back out of every file and every view', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const { id, printed } = await runAgent(
      home,
      repo.dir,
      {
        CORRAL_DOCKER_NETWORK: network.name,
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: apiKey,
      },
      'docker',
    );
    expect(api.requests().filter((q) => q.kind === 'turn').length).toBeGreaterThanOrEqual(2);
    await expectRedactedEverywhere(home, id, printed);
  });
});

describe('redaction on local', () => {
  let api: AnthropicStandIn;
  let binDir: string;

  beforeAll(async () => {
    const pkg = '@anthropic-ai/claude-code';
    binDir = await ensureAgentCli({ pkg, version: getPinnedVersion(pkg), bin: 'claude' });
    api = await startAnthropicStandIn({ script });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('keeps the key the model hands back out of every file and every view', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const { id, printed } = await runAgent(
      home,
      repo.dir,
      {
        PATH: `${binDir}:${process.env.PATH ?? ''}`,
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: apiKey,
      },
      'local',
    );
    expect(api.turns().length).toBeGreaterThanOrEqual(2);
    await expectRedactedEverywhere(home, id, printed);
  });
});
