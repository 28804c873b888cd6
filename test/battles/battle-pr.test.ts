/**
 * `corral battle merge --pr`: the winner's branch pushed host-side to a github.com remote
 * (really a git smart-HTTP server on loopback) and a pull request opened on a loopback
 * stand-in for the GitHub API, into the branch the battle started from, its body the grade
 * and the ranking; the record keeps it; a battle from uncommitted changes is refused.
 * Local backend: what is tested here is the push and the pull request, not the sandbox.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/stand-in/github-stand-in.js';

const token = `corraltok_${randomBytes(20).toString('hex')}`;
const battleFile = [
  'test: node --test',
  'prompt: fix the off-by-one in nextDay',
  'contestants:',
  '  - name: fix',
  '    agent: shell',
  `    command: "sed -i 's/day + 2/day + 1/' src/date.js"`,
  '  - name: noop',
  '    agent: shell',
  '    command: "true"',
].join('\n');

let home: string;
let repo: TestRepo;
let gitRoot: string;
let server: GitHttpServer;
let github: GitHubStandIn;

beforeAll(async () => {
  home = await makeHome();
  repo = await makeRepo({
    'src/date.js': 'export function nextDay(day) {\n  return day + 2;\n}\n',
    'test/date.test.js': [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      "import { nextDay } from '../src/date.js';",
      "test('next day adds one', () => assert.equal(nextDay(1), 2));",
      '',
    ].join('\n'),
    '.gitignore': 'battle.yml\n',
  });
  await repo.write('battle.yml', battleFile);
  gitRoot = await mkdtemp(join(tmpdir(), 'corral-git-root-'));
  await mkdir(join(gitRoot, 'acme/dates.git'), { recursive: true });
  execFileSync('git', ['init', '--quiet', '--bare', join(gitRoot, 'acme/dates.git')]);
  github = await startGitHubStandIn({ token, defaultBranch: 'trunk' });
  server = await startGitHttpServer(gitRoot, (password) => password === token);
  repo.git('remote', 'add', 'gh', 'https://github.com/acme/dates.git');
  repo.git('config', `url.${server.url}/.insteadOf`, 'https://github.com/');
});

afterAll(async () => {
  await server?.close();
  await github?.close();
});

const env = () => ({
  GITHUB_TOKEN: token,
  CORRAL_GITHUB_API_URL: github.url,
  CORRAL_GIT_TOKEN: '',
});

describe('corral battle merge --pr', () => {
  it("pushes the winner and opens a pull request into the battle's branch, its body the grade", async () => {
    const battle = await corral(
      home,
      ['battle', '--backend', 'local', '-f', join(repo.dir, 'battle.yml'), '--json'],
      { cwd: repo.dir, timeoutMs: 180_000 },
    );
    expect(battle.code, battle.stderr).toBe(0);
    const { id, winner } = battle.json<{ id: string; winner: string }>();
    expect(winner).toBe('fix');

    const r = await corral(home, ['battle', 'merge', id, '--pr', '--remote', 'gh', '--json'], {
      cwd: repo.dir,
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{
      contestant: string;
      branch: string;
      commit: string;
      pullRequest: { number: number; base: string };
    }>();
    expect(out.contestant).toBe('fix');
    // The branch arrived, with the fix on it.
    const bare = (...args: string[]) =>
      execFileSync('git', ['--git-dir', join(gitRoot, 'acme/dates.git'), ...args], {
        encoding: 'utf8',
      }).trim();
    expect(bare('rev-parse', `refs/heads/${out.branch}`)).toBe(out.commit);
    expect(bare('show', `${out.commit}:src/date.js`)).toContain('day + 1');

    const post = github.requests.find((q) => q.method === 'POST');
    const body = post?.body as { title: string; body: string; head: string; base: string };
    // Into the branch the battle started from (main), not the repository's default (trunk).
    expect(body).toMatchObject({
      head: out.branch,
      base: 'main',
      title: 'fix the off-by-one in nextDay',
    });
    expect(body.body).toContain(`Corral-Battle: ${id}`);
    expect(body.body).toContain('resolved: yes');
    expect(body.body).toContain('fail-to-pass: 1/1');
    expect(body.body).toMatch(/1\. fix: .*\n\s+2\. noop/);
    // Nothing was merged here: main is where it was.
    expect(repo.show('main', 'src/date.js')).toContain('day + 2');

    const shown = await corral(home, ['battle', 'show', id, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const record = await import('node:fs/promises').then((fs) =>
      fs.readFile(join(home, 'battles', id, 'battle.json'), 'utf8'),
    );
    expect(JSON.parse(record)).toMatchObject({
      proposed: { contestant: 'fix', number: out.pullRequest.number },
    });
  }, 240_000);

  it('refuses --pr for a battle from uncommitted changes, and --prune with --pr', async () => {
    await repo.write('src/extra.js', 'export const extra = 1;\n');
    const battle = await corral(
      home,
      ['battle', '--backend', 'local', '-f', join(repo.dir, 'battle.yml'), '--json'],
      { cwd: repo.dir, timeoutMs: 180_000 },
    );
    expect(battle.code, battle.stderr).toBe(0);
    const { id } = battle.json<{ id: string }>();
    const before = github.requests.length;
    const r = await corral(home, ['battle', 'merge', id, '--pr', '--remote', 'gh'], {
      cwd: repo.dir,
      env: env(),
    });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/started from uncommitted changes/);
    const both = await corral(home, ['battle', 'merge', id, '--pr', '--prune'], { cwd: repo.dir });
    expect(both.code).toBe(2);
    expect(github.requests.length).toBe(before);
  }, 240_000);
});
