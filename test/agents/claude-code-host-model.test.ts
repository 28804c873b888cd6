/**
 * Claude Code fenced in docker against a model server on the developer's own machine, the
 * way a user points corral at one: `ANTHROPIC_BASE_URL=http://127.0.0.1:<port>` and no
 * network of their own. The gateway forwards to the host as its container sees it
 * (`host.docker.internal`), so the server listens beyond loopback: here on this machine's
 * address on Docker's default bridge only (nothing leaves the machine), where the loopback
 * URL itself leads nowhere. With `prices.json` in the home, every call the gateway metered
 * carries its cost, priced from the file, and the run's summary is their sum.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { hostBridgeAddress } from '../helpers/bridge-address.js';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { sha256 } from '../helpers/fence.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  startAnthropicStandIn,
  type AnthropicStandIn,
} from '../helpers/stand-in/anthropic-stand-in.js';

const apiKey = 'sk-ant-host-model-4e8a2c6b';
/** USD per million tokens, for every Claude model (the prefix takes them all). */
const price = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };

interface Usage {
  type: string;
  model: string | null;
  status: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number | null;
}

describe('claude fenced in docker, its model server on this machine', () => {
  let api: AnthropicStandIn;
  let repo: TestRepo;
  let home: string;
  let port = 0;

  beforeAll(async () => {
    await buildGatewayImage();
    api = await startAnthropicStandIn({
      host: hostBridgeAddress(),
      script: [
        {
          toolUse: {
            name: 'Bash',
            input: { command: 'echo from-the-host-model > note.txt', description: 'Write' },
          },
        },
        { text: 'Wrote the note.' },
      ],
    });
    port = Number(new URL(api.url).port);
    repo = await makeRepo({ 'README.md': '# host model\n' });
    home = await makeHome();
    await writeFile(join(home, 'prices.json'), JSON.stringify({ 'claude-': price }));
  });

  afterAll(async () => {
    // A run that failed part way leaves its instance (and its project) behind.
    const ls = await corral(home, ['ls', '--json']);
    for (const { id } of ls.json<{ instances: Array<{ id: string }> }>().instances) {
      await corral(home, ['rm', id, '--force']);
    }
    await api?.close();
  });

  it('reaches it through a loopback URL, and prices its calls from prices.json', async () => {
    const r = await corral(
      home,
      ['run', '--backend', 'docker', '--agent', 'claude', '-p', 'write a note', '--json'],
      {
        cwd: repo.dir,
        env: { ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`, ANTHROPIC_API_KEY: apiKey },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{
      id: string;
      status: string;
      branch: string;
      summary: { outputTokens: number; costUsd: number | null };
    }>();
    expect(out.status).toBe('succeeded');
    expect(repo.show(out.branch, 'note.txt')).toBe('from-the-host-model\n');
    // The server on the host answered every turn, each with the real key.
    expect(api.requests.filter((q) => q.kind === 'turn').length).toBeGreaterThanOrEqual(2);
    expect(new Set(api.requests.map((q) => q.keySha256))).toEqual(new Set([sha256(apiKey)]));

    const metered = (await readEvents<Usage>(home, out.id)).filter(
      (e) => e.type === 'gateway.usage',
    );
    expect(metered.length).toBeGreaterThanOrEqual(2);
    for (const e of metered) {
      expect(e.model).toMatch(/^claude-/);
      const usd =
        (e.inputTokens * price.input +
          e.outputTokens * price.output +
          e.cacheReadTokens * price.cacheRead +
          e.cacheWriteTokens * price.cacheWrite) /
        1_000_000;
      expect(usd).toBeGreaterThan(0);
      expect(e.costUsd).toBeCloseTo(usd, 12);
    }
    const cost = metered.reduce((sum, e) => sum + (e.costUsd ?? 0), 0);
    expect(out.summary.costUsd).toBeCloseTo(cost, 12);
    expect(out.summary.outputTokens).toBe(metered.reduce((n, e) => n + e.outputTokens, 0));
  }, 300_000);
});
