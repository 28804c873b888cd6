/**
 * Claude Code on the local backend, the way a user without Docker runs it: `corral run
 * --backend local --agent claude -p …`, the CLI taken from the host's own install (here
 * the test cache, which the fence otherwise hides), behind sandbox-runtime's proxy. The
 * key stays out of the sandbox there too: the model gateway runs as its own process on the
 * host's loopback and the agent holds the placeholder; with `prices.json` in the home, the
 * gateway meters the cost too. The Anthropic stand-in listens on this machine's loopback.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAgentCli, getPinnedVersion } from '../helpers/agent-cli.js';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { sha256 } from '../helpers/fence.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  startAnthropicStandIn,
  type AnthropicStandIn,
} from '../helpers/stand-in/anthropic-stand-in.js';

const pkg = '@anthropic-ai/claude-code';

/** Writes environ.txt: `read <n>` environments, then `<count> <ANTHROPIC_API_KEY=…>` lines. */
const environProbe = [
  'n=0; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f" > /tmp/env.$n 2>/dev/null && n=$((n+1)); done',
  'echo "read $n" > environ.txt',
  'cat /tmp/env.* | grep "^ANTHROPIC_API_KEY=" | sort | uniq -c | sed "s/^ *//" >> environ.txt',
].join('; ');
const apiKey = 'sk-ant-local-5b7d9f1e3a2c';

describe('claude on the local backend, key kept on the host', () => {
  let api: AnthropicStandIn;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const binDir = await ensureAgentCli({ pkg, version: getPinnedVersion(pkg), bin: 'claude' });
    repo = await makeRepo({ 'app.py': 'greeting = "hello"\n' });
    home = await makeHome();
    // Prices for the stand-in's model: the gateway's metered cost is then known.
    await writeFile(
      join(home, 'prices.json'),
      JSON.stringify({ 'claude-opus': { input: 10, output: 50, cacheRead: 1 } }),
    );
    api = await startAnthropicStandIn({
      script: [
        {
          toolUse: {
            name: 'Bash',
            input: {
              // Its own environment, and every process's it can see (how many it read, and
              // each key variable found, counted): the host's are not among them.
              command: `sed -i 's/"hello"/"hello, local"/' app.py && env && ${environProbe}`,
              description: 'Edit and look around',
            },
          },
        },
        { text: 'Done locally.' },
      ],
    });
    env = {
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: apiKey,
    };
  });

  afterAll(async () => {
    await api?.close();
  });

  it('edits through its own CLI; the stand-in gets the real key, the agent only the placeholder', async () => {
    const r = await corral(
      home,
      ['run', '--backend', 'local', '--agent', 'claude', '-p', 'greet locally', '--json'],
      { cwd: repo.dir, env },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{
      id: string;
      branch: string;
      status: string;
      summary: { outputTokens: number; costUsd: number | null };
    }>();
    expect(out.status).toBe('succeeded');
    expect(repo.show(out.branch, 'app.py')).toBe('greeting = "hello, local"\n');

    // Every environment the agent could read holds the placeholder, none the key (a key
    // would show here as [redacted]); at least its shell's and Claude Code's own were read.
    const [read, ...found] = (repo.show(out.branch, 'environ.txt') ?? '').trim().split('\n');
    expect(Number(/^read (\d+)$/.exec(read ?? '')?.[1])).toBeGreaterThanOrEqual(2);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^([2-9]|\d\d+) ANTHROPIC_API_KEY=corral-placeholder-key$/);

    const dir = join(home, 'instances', out.id);
    const output = await readFile(join(dir, 'output.log'), 'utf8');
    expect(output).toContain('ANTHROPIC_API_KEY=corral-placeholder-key');
    expect(output).toMatch(/ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+/);
    // Nothing the agent printed needed redacting: the key was never in its reach.
    expect(output).not.toContain('[redacted]');
    const requests = api.requests.filter((q) => q.kind === 'turn');
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(new Set(api.requests.map((q) => q.keySha256))).toEqual(new Set([sha256(apiKey)]));
    // The host-side gateway metered the calls into the events.
    const events = await readEvents<{ type: string; costUsd?: number | null }>(home, out.id);
    const metered = events.filter((e) => e.type === 'gateway.usage');
    expect(metered.length).toBeGreaterThanOrEqual(2);
    expect(metered.every((e) => typeof e.costUsd === 'number' && e.costUsd > 0)).toBe(true);
    const cost = metered.reduce((sum, e) => sum + (e.costUsd ?? 0), 0);
    expect(out.summary.costUsd).toBeCloseTo(cost, 10);
    expect(out.summary.outputTokens).toBeGreaterThan(0);
    for (const f of ['events.ndjson', 'output.log', 'metadata.json', 'usage.log']) {
      expect(await readFile(join(dir, f), 'utf8'), f).not.toContain(apiKey);
    }
    expect(r.stdout + r.stderr).not.toContain(apiKey);
  });
});
