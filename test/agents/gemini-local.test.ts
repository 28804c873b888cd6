/**
 * Gemini CLI on the local backend, the way a user without Docker runs it: `corral run
 * --backend local --agent gemini -p …`, the CLI taken from the host's own install (here
 * the test cache, which the fence otherwise hides), behind sandbox-runtime's proxy. The
 * supervisor runs the Gemini gateway on the host's loopback and the agent holds the
 * placeholder; the CLI's own home (its settings, its conversations) is in the state dir,
 * not on the branch. The Gemini stand-in listens on this machine's loopback.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAgentCli, getPinnedVersion } from '../helpers/agent-cli.js';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { sha256 } from '../helpers/fence.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { startGeminiStandIn, type GeminiStandIn } from '../helpers/stand-in/gemini-stand-in.js';

const pkg = '@google/gemini-cli';
const apiKey = 'AIzaSy-local-2f4a6c8e0b';

describe('gemini on the local backend, key kept on the host', () => {
  let api: GeminiStandIn;
  let repo: TestRepo;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const binDir = await ensureAgentCli({ pkg, version: getPinnedVersion(pkg), bin: 'gemini' });
    repo = await makeRepo({ 'README.md': '# app\n' });
    home = await makeHome();
    api = await startGeminiStandIn({
      script: [
        { call: 'write_file', args: { file_path: 'hello.txt', content: 'hello, local\n' } },
        { call: 'run_shell_command', args: { command: 'cat hello.txt && env' } },
        { text: 'Done locally.' },
      ],
    });
    env = {
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
      GOOGLE_GEMINI_BASE_URL: api.url,
      GEMINI_API_KEY: apiKey,
    };
  });

  afterAll(async () => {
    await api?.close();
  });

  it('writes through its own CLI; the stand-in gets the real key, the agent only the placeholder', async () => {
    const r = await corral(
      home,
      ['run', '--backend', 'local', '--agent', 'gemini', '-p', 'say hello', '--json'],
      { cwd: repo.dir, env },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{ id: string; branch: string; status: string }>();
    expect(out.status).toBe('succeeded');
    expect(repo.show(out.branch, 'hello.txt')).toBe('hello, local\n');
    // Its settings and conversation stayed in the state dir.
    expect(repo.git('ls-tree', '-r', '--name-only', out.branch).trim().split('\n')).toEqual([
      'README.md',
      'hello.txt',
    ]);

    const dir = join(home, 'instances', out.id);
    const output = await readFile(join(dir, 'output.log'), 'utf8');
    expect(output).toContain('GEMINI_API_KEY=corral-placeholder-key');
    expect(output).toMatch(/GOOGLE_GEMINI_BASE_URL=http:\/\/127\.0\.0\.1:\d+/);
    expect(output).not.toContain('[redacted]');
    expect(api.requests.filter((q) => q.kind === 'turn')).toHaveLength(3);
    expect(new Set(api.requests.map((q) => q.keySha256))).toEqual(new Set([sha256(apiKey)]));
    const events = await readEvents(home, out.id);
    expect(events.filter((e) => e.type === 'gateway.usage')).toHaveLength(api.requests.length);
    for (const f of ['events.ndjson', 'output.log', 'metadata.json', 'usage.log']) {
      expect(await readFile(join(dir, f), 'utf8'), f).not.toContain(apiKey);
    }
    expect(r.stdout + r.stderr).not.toContain(apiKey);
  });
});
