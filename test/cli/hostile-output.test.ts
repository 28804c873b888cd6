/**
 * Output an agent (or a hostile command) may print: a 50 MB line, binary bytes, invalid
 * UTF-8, escape sequences that would rewrite a terminal. The run neither crashes nor
 * stalls, every line is kept (the huge one cut and marked), and `corral logs` renders
 * no control sequence.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

const noisy = [
  'head -c 52428800 /dev/zero | tr "\\0" a',
  'echo',
  'printf "\\377\\376 binary \\000 bytes\\n"',
  'printf "\\033[2J\\033]0;pwned\\007 title\\n"',
  'echo after',
].join('; ');

describe('hostile output', () => {
  it('keeps a 50 MB line, binary and escapes without crashing, and renders them safely', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(home, ['run', '--backend', 'local', '--json', '--', 'sh', '-c', noisy], {
      cwd: repo.dir,
    });
    expect(r.code, r.stderr.slice(-500)).toBe(0);
    const id = r.json<{ id: string }>().id;
    const events = (await readFile(join(home, 'instances', id, 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; line?: string });
    const raw = events.filter((e) => e.type === 'raw').map((e) => e.line ?? '');
    expect(raw[0]).toMatch(/^a{1000,}… \[truncated\]$/);
    expect(raw[0]!.length).toBeLessThan(2 * 1024 * 1024);
    expect(raw.some((l) => l.includes('binary'))).toBe(true);
    expect(raw.at(-1)).toBe('after');
    const logs = await corral(home, ['logs', id, '--raw']);
    expect(logs.stdout.length).toBeGreaterThan(50 * 1024 * 1024);
    const fake = await corral(
      home,
      [
        'run',
        '--backend',
        'local',
        '--agent',
        'fake',
        '-p',
        'say \u001b[2Jclear \u001b]0;t\u0007me',
      ],
      { cwd: repo.dir },
    );
    expect(fake.code, fake.stderr).toBe(0);
    expect(fake.stdout).toContain('clear me');
    expect(fake.stdout).not.toContain('\u001b');
  });
});

describe('agent CLI missing from the image', () => {
  it('says which image lacks which CLI and how to fix it: exit 5', async () => {
    const repo = await makeRepo();
    const ls = await corral(await makeHome(), ['image', 'build', '--base-only', '--json']);
    const base = ls.json<{ base: string }>().base;
    const r = await corral(
      await makeHome(),
      ['run', '--agent', 'claude', '--image', base, '-p', 'x'],
      {
        cwd: repo.dir,
        env: { ANTHROPIC_API_KEY: 'sk-test-123456' },
      },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`The image ${base} has no \`claude\` for the claude agent.`);
    expect(r.stderr).toContain('corral image build');
  });
});
