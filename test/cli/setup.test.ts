/**
 * `corral setup` end to end on the local backend, with the scripted fake agent as the
 * agent that writes `.corral/setup.sh` (its script given with --prompt-file): a script that
 * works lands in the tree; one that fails, or needs something the agent left beside it, is
 * not kept and says how to see why; no script is a clear error; `--check` passes and fails
 * the tree's own script; a different script in the tree is replaced only with --force.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corral, makeHome, type CliResult } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';

interface Discovered {
  kept: boolean;
  path: string;
  agentInstance: string;
  checkInstance: string;
  exitCode: number | null;
  script: string;
  error?: { code: string; message: string; hint?: string };
}

interface Checked {
  ok: boolean;
  path: string;
  checkInstance: string;
  exitCode: number | null;
  error?: { code: string };
}

/** The fake agent's steps, one a line, as the file --prompt-file reads. */
async function promptFile(steps: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-setup-prompt-'));
  const file = join(dir, 'prompt.txt');
  await writeFile(file, steps.join('\n') + '\n');
  return file;
}

async function discover(
  home: string,
  repo: TestRepo,
  steps: string[],
  extra: string[] = [],
): Promise<CliResult> {
  const file = await promptFile(steps);
  return corral(
    home,
    [
      'setup',
      '--discover',
      '--backend',
      'local',
      '--agent',
      'fake',
      '--prompt-file',
      file,
      '--timeout',
      '2m',
      ...extra,
    ],
    { cwd: repo.dir },
  );
}

const setupPath = (repo: TestRepo) => join(repo.dir, '.corral', 'setup.sh');

describe('corral setup --discover (local)', () => {
  it('keeps a script that passes in a fresh sandbox: in the tree, mode 755, ids on stdout', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await discover(home, repo, [
      'write .corral/setup.sh echo installing the deps; touch .deps-ready',
      'say wrote the setup script',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [kept, agent, check] = r.stdout.trim().split('\n');
    expect(kept).toBe(`kept: ${setupPath(repo)}`);
    const agentId = agent!.replace(/^agent: /, '');
    const checkId = check!.replace(/^check: /, '');
    expect(agentId).toMatch(/^fake-/);
    expect(checkId).toMatch(/^shell-/);
    expect(await readFile(setupPath(repo), 'utf8')).toBe(
      'echo installing the deps; touch .deps-ready\n',
    );
    expect((await stat(setupPath(repo))).mode & 0o777).toBe(0o755);
    // The verification ran the script: its output is the check instance's.
    const logs = await corral(home, ['logs', checkId]);
    expect(logs.stdout).toContain('installing the deps');
    // The agent's branch stays, with the script on it.
    expect(repo.show(`corral/${agentId}`, '.corral/setup.sh')).toBe(
      'echo installing the deps; touch .deps-ready\n',
    );
    expect(r.stderr).toContain(`corral: ${agentId} wrote .corral/setup.sh; verifying it`);
  });

  it('gives one JSON object with --json, and lets both runs reach the --allow-host hosts', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await discover(
      home,
      repo,
      ['write .corral/setup.sh echo ok'],
      ['--json', '--allow-host', 'registry.test'],
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Discovered>();
    expect(out).toEqual({
      kept: true,
      path: setupPath(repo),
      agentInstance: expect.stringMatching(/^fake-/) as string,
      checkInstance: expect.stringMatching(/^shell-/) as string,
      exitCode: 0,
      script: 'echo ok\n',
    });
    for (const id of [out.agentInstance, out.checkInstance]) {
      const policy = await corral(home, ['policy', id, '--json']);
      expect(policy.json<{ allow: string[] }>().allow, id).toContain('registry.test');
    }
  });

  it('does not keep a script that fails: exit 1, a line saying how to see its output, the branch kept', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await discover(home, repo, ['write .corral/setup.sh echo cannot install; exit 1']);
    expect(r.code, r.stderr).toBe(1);
    expect(existsSync(setupPath(repo))).toBe(false);
    const line = r.stderr.trim().split('\n').at(-1)!;
    const check = /corral logs (shell-[a-z0-9]+)/.exec(line)?.[1];
    expect(line).toMatch(
      /^corral: \.corral\/setup\.sh failed verification: it exited 1 in a fresh sandbox \(shell-[a-z0-9]+\)\. See its output: corral logs shell-[a-z0-9]+\. The script stays on corral\/fake-[a-z0-9]+; your tree is unchanged\.$/,
    );
    expect(r.stdout).toBe('');
    const agent = /corral\/(fake-[a-z0-9]+)/.exec(line)?.[1];
    expect(repo.show(`corral/${agent}`, '.corral/setup.sh')).toBe('echo cannot install; exit 1\n');
    expect((await corral(home, ['logs', check!])).stdout).toContain('cannot install');
  });

  it('puts the failure in the JSON object with --json', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await discover(home, repo, ['write .corral/setup.sh exit 3'], ['--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json<Discovered>()).toMatchObject({
      kept: false,
      exitCode: 3,
      script: 'exit 3\n',
      error: { code: 'SETUP_FAILED' },
    });
  });

  it('says so clearly when the agent wrote no script', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await discover(home, repo, ['say I will not write anything']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(
      /corral: fake-[a-z0-9]+ \(succeeded\) left no usable \.corral\/setup\.sh: corral\/fake-[a-z0-9]+ has no \.corral\/setup\.sh\. See what it did with corral logs fake-[a-z0-9]+\./,
    );
    expect(existsSync(setupPath(repo))).toBe(false);
  });

  it('refuses an empty script without running it', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await discover(home, repo, ['run mkdir -p .corral && : > .corral/setup.sh']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/left no usable \.corral\/setup\.sh: .*is empty\./);
    expect(r.stderr).not.toContain('verifying it');
  });

  it('verifies in a fresh sandbox from the base: a file the agent left beside the script does not help', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await discover(home, repo, [
      'write .corral/helper.sh echo the helper ran',
      'write .corral/setup.sh sh .corral/helper.sh',
      // In the agent's own sandbox the script works: the helper is there.
      'run bash .corral/setup.sh',
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('$ bash .corral/setup.sh (exit 0)');
    // dash: "cannot open .corral/helper.sh", exit 2.
    expect(r.stderr).toMatch(
      /failed verification: it exited 2 in a fresh sandbox \((shell-[a-z0-9]+)\)/,
    );
    const check = /\((shell-[a-z0-9]+)\)/.exec(r.stderr)![1]!;
    expect((await corral(home, ['logs', check])).stdout).toContain('cannot open .corral/helper.sh');
    expect(existsSync(setupPath(repo))).toBe(false);
  });

  it("verifies with the base's history only: the script cannot dig the helper out of the repository", async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    // Looks through every object the verification's repository holds for the helper (a
    // clone of everything would hold the agent's branch's, its ref gone or not).
    const dig = [
      "for o in $(git cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype)' | awk '$2 == \"blob\" { print $1 }');",
      'do if git cat-file blob "$o" | grep -qx \'echo the helper ran\'; then git cat-file blob "$o" > .corral/helper.sh; fi; done;',
      'sh .corral/helper.sh',
    ].join(' ');
    const r = await discover(home, repo, [
      'write .corral/helper.sh echo the helper ran',
      `write .corral/setup.sh ${dig}`,
      'run bash .corral/setup.sh',
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('(exit 0)');
    expect(r.stderr).toMatch(/failed verification: it exited 2 in a fresh sandbox/);
  });

  it('starts from your tree as corral run takes it: an uncommitted file the script reads is there', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    await repo.write('deps.txt', 'left-pad\n');
    const r = await discover(home, repo, ['write .corral/setup.sh grep -q left-pad deps.txt']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(setupPath(repo))).toBe(true);
  });

  it('refuses, before any agent runs, when git ignores the script (it would never come back)', async () => {
    const home = await makeHome();
    const repo = await makeRepo({ 'README.md': '# test\n', '.gitignore': '.corral/\n' });
    const r = await discover(home, repo, ['write .corral/setup.sh echo ok']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `corral: git ignores .corral/setup.sh in ${repo.dir}, so an agent's script would not come back on its branch (nor reach a battle's sandboxes). Stop ignoring it (git check-ignore -v .corral/setup.sh shows the rule), then run again.`,
    );
    expect(
      (await corral(home, ['ls', '--json'])).json<{ instances: unknown[] }>().instances,
    ).toEqual([]);
  });

  it('leaves a different .corral/setup.sh in the tree alone without --force, and replaces it with', async () => {
    const home = await makeHome();
    const repo = await makeRepo({ 'README.md': '# test\n', '.corral/setup.sh': 'echo mine\n' });
    const refused = await discover(home, repo, ['write .corral/setup.sh echo theirs']);
    expect(refused.code, refused.stderr).toBe(7);
    expect(refused.stderr).toContain(
      `corral: ${setupPath(repo)} already exists. Check it with corral setup --check, or pass --force to replace it with one that works.`,
    );
    expect(await readFile(setupPath(repo), 'utf8')).toBe('echo mine\n');
    // Refused before any agent ran.
    expect(
      (await corral(home, ['ls', '--json'])).json<{ instances: unknown[] }>().instances,
    ).toEqual([]);

    const forced = await discover(home, repo, ['write .corral/setup.sh echo theirs'], ['--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(setupPath(repo), 'utf8')).toBe('echo theirs\n');
  });
});

describe('corral setup --check (local)', () => {
  it("passes the tree's working script and fails a broken one", async () => {
    const home = await makeHome();
    const repo = await makeRepo({
      'README.md': '# test\n',
      '.corral/setup.sh': 'echo checking; grep -q left-pad deps.txt\n',
    });
    // From the tree as corral run takes it: an uncommitted file is there.
    await repo.write('deps.txt', 'left-pad\n');
    const good = await corral(home, ['setup', '--check', '--backend', 'local', '--json'], {
      cwd: repo.dir,
    });
    expect(good.code, good.stderr).toBe(0);
    const out = good.json<Checked>();
    expect(out).toEqual({
      ok: true,
      path: setupPath(repo),
      checkInstance: expect.stringMatching(/^shell-/) as string,
      exitCode: 0,
    });
    expect((await corral(home, ['logs', out.checkInstance])).stdout).toContain('checking');

    // Uncommitted, as the tree holds it now.
    await repo.write('.corral/setup.sh', 'echo broken; exit 2\n');
    const bad = await corral(home, ['setup', '--check', '--backend', 'local'], { cwd: repo.dir });
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stderr).toMatch(
      /corral: \.corral\/setup\.sh failed verification: it exited 2 in a fresh sandbox \(shell-[a-z0-9]+\)\. See its output: corral logs shell-[a-z0-9]+\. Your tree is unchanged\./,
    );
    expect(await readFile(setupPath(repo), 'utf8')).toBe('echo broken; exit 2\n');
  });

  it('warns when git ignores the script: no battle sandbox would get it', async () => {
    const home = await makeHome();
    const repo = await makeRepo({ 'README.md': '# test\n', '.gitignore': '.corral/\n' });
    await repo.write('.corral/setup.sh', 'echo ignored but fine\n');
    const r = await corral(home, ['setup', '--check', '--backend', 'local'], { cwd: repo.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "corral: warning: git ignores .corral/setup.sh, so sandboxes started from this tree (a battle's) do not get it",
    );
    expect(r.stdout).toMatch(/^ok: .*\.corral\/setup\.sh\ncheck: shell-[a-z0-9]+\n$/);
  });

  it('stops a script that runs past --timeout and fails it', async () => {
    const home = await makeHome();
    const repo = await makeRepo({ 'README.md': '# test\n', '.corral/setup.sh': 'sleep 120\n' });
    const r = await corral(home, ['setup', '--check', '--backend', 'local', '--timeout', '5s'], {
      cwd: repo.dir,
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /corral: \.corral\/setup\.sh failed verification: it timed out after 5(\.0)?s in a fresh sandbox \(shell-[a-z0-9]+\)/,
    );
  });

  it('says there is no script to check', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(home, ['setup', '--check', '--backend', 'local'], { cwd: repo.dir });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(
      `corral: ${repo.dir} has no .corral/setup.sh. Write one, or let an agent do it: corral setup --discover --agent claude.`,
    );
  });
});
