/**
 * An agent instance end to end with the scripted fake agent, on both backends: its edits
 * come back on the branch, its output becomes events, `corral logs` renders them a line
 * each, and the run ends with a summary.
 */
import { describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

interface Outcome {
  id: string;
  status: string;
  branch: string;
  agent: string;
  network: string;
  summary: { toolCalls: number; filesChanged: number; inputTokens: number; outputTokens: number };
}

const script = [
  'say looking at the repo',
  'write notes.txt written by the fake agent',
  'run cat notes.txt',
  'say done',
].join('\n');

describe.each(['docker', 'local'])('corral run --agent fake (%s)', (backend) => {
  it('brings its edits back, records its events and renders them for people', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(
      home,
      ['run', '--backend', backend, '--agent', 'fake', '-p', script, '--json'],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    expect(out).toMatchObject({ status: 'succeeded', agent: 'fake', network: 'none' });
    expect(out.summary).toMatchObject({
      toolCalls: 2,
      filesChanged: 1,
      inputTokens: 400,
      outputTokens: 40,
    });
    expect(repo.show(out.branch, 'notes.txt')).toBe('written by the fake agent\n');

    const logs = await corral(home, ['logs', out.id]);
    expect(logs.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'looking at the repo',
        '  → write notes.txt',
        '  $ cat notes.txt (exit 0)',
        'done',
      ]),
    );
    const json = await corral(home, ['logs', out.id, '--json']);
    const types = json.json<{ events: Array<{ type: string }> }>().events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'agent.text',
        'agent.tool-call',
        'agent.file-change',
        'agent.command',
        'agent.usage',
        'agent.end',
      ]),
    );
    expect(types[0]).toBe('instance.created');
    expect(types.at(-1)).toBe('instance.ended');
  });

  it('prints the rendered events live and a summary with tokens and files', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(home, ['run', '--backend', backend, '--agent', 'fake', '-p', script], {
      cwd: repo.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('  → write notes.txt');
    expect(r.stdout).not.toContain('{"type"');
    expect(r.stderr).toMatch(/tokens 400 in \/ 40 out · \$0\.0000 · 2 tool calls · 1 file changed/);
  });
});

describe('agent input checks', () => {
  it('an agent without a task or a terminal: exit 2', async () => {
    const repo = await makeRepo();
    const r = await corral(await makeHome(), ['run', '--agent', 'fake'], { cwd: repo.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs a task (-p "…") or a terminal (-i)');
  });

  it('an unknown agent: exit 2, naming the ones there are', async () => {
    const repo = await makeRepo();
    const r = await corral(await makeHome(), ['run', '--agent', 'nope', '-p', 'x'], {
      cwd: repo.dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'nope' is not an agent corral knows");
  });

  it('a missing credential is refused before anything is made: exit 5', async () => {
    const repo = await makeRepo();
    const home = await makeHome();
    const r = await corral(home, ['run', '--agent', 'gemini', '-p', 'x'], {
      cwd: repo.dir,
      env: { GEMINI_API_KEY: '' },
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('needs GEMINI_API_KEY');
    const ls = await corral(home, ['ls', '--json']);
    expect(ls.json<{ instances: unknown[] }>().instances).toEqual([]);
  });

  it('a context file that cannot be read: exit 2', async () => {
    const repo = await makeRepo();
    const r = await corral(
      await makeHome(),
      ['run', '--agent', 'fake', '-p', 'say x', '--context', '/nonexistent/ROLE.md'],
      { cwd: repo.dir },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--context /nonexistent/ROLE.md cannot be read');
  });
});
