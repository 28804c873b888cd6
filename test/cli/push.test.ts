/**
 * `corral push` through the built CLI, against a real git smart-HTTP server on loopback
 * (git http-backend behind basic auth with a token the test mints) and a loopback
 * stand-in for the GitHub API: the branch arrives, a wrong token is refused with the
 * documented exit code, a pull request is opened with the right fields, and the token is
 * written nowhere on disk.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/stand-in/github-stand-in.js';

const startedMs = Date.now();
const token = `corraltok_${randomBytes(20).toString('hex')}`;
const wrongToken = `corralbad_${randomBytes(20).toString('hex')}`;

let home: string;
let userHome: string;
let repo: TestRepo;
let id: string;
let branch: string;
let gitRoot: string;
let server: GitHttpServer;
let github: GitHubStandIn;
let appKeyFile: string;

/** The environment of a push: a fresh $HOME whose git config stores credentials (it must not). */
function pushEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    HOME: userHome,
    XDG_CONFIG_HOME: join(userHome, '.config'),
    CORRAL_GIT_TOKEN: '',
    GITHUB_TOKEN: '',
    GH_TOKEN: '',
    CORRAL_GITHUB_APP_ID: '',
    ...extra,
  };
}

const bare = (name: string, ...args: string[]) =>
  execFileSync('git', ['--git-dir', join(gitRoot, name), ...args], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  home = await makeHome();
  userHome = await mkdtemp(join(tmpdir(), 'corral-user-home-'));
  await writeFile(
    join(userHome, '.gitconfig'),
    '[credential]\n\thelper = store\n[user]\n\tname = test\n\temail = test@localhost\n',
  );
  repo = await makeRepo({ 'README.md': '# widgets\n' });
  const run = await corral(
    home,
    ['run', '--backend', 'local', '--json', '--', 'sh', '-c', 'echo x > x.txt'],
    {
      cwd: repo.dir,
    },
  );
  expect(run.code, run.stderr).toBe(0);
  ({ id, branch } = run.json<{ id: string; branch: string }>());
  expect(repo.show(branch, 'x.txt')).toBe('x\n');

  gitRoot = await mkdtemp(join(tmpdir(), 'corral-git-root-'));
  for (const name of ['origin.git', 'acme/widgets.git']) {
    await mkdir(join(gitRoot, name), { recursive: true });
    execFileSync('git', ['init', '--quiet', '--bare', join(gitRoot, name)]);
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  appKeyFile = join(userHome, 'app-key.pem');
  await writeFile(appKeyFile, privateKey.export({ type: 'pkcs1', format: 'pem' }));
  github = await startGitHubStandIn({
    token,
    defaultBranch: 'trunk',
    app: {
      id: '4242',
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      installationId: 99,
    },
  });
  // The git server takes the test's token, and installation tokens the stand-in minted.
  server = await startGitHttpServer(
    gitRoot,
    (password) => password === token || github.minted.some((m) => m.token === password),
  );
  repo.git('remote', 'add', 'origin', `${server.url}/origin.git`);
  // A github.com remote whose pushes really go to the loopback server.
  repo.git('remote', 'add', 'gh', 'git@github.com:acme/widgets.git');
  repo.git('remote', 'add', 'gh-https', 'https://github.com/acme/widgets.git');
  repo.git('remote', 'add', 'elsewhere', `${server.url}/origin.git`);
  repo.git('config', `url.${server.url}/.insteadOf`, 'https://github.com/');
});

afterAll(async () => {
  await server?.close();
  await github?.close();
});

describe('corral push', () => {
  it('pushes corral/<id> from the source repository with CORRAL_GIT_TOKEN', async () => {
    const r = await corral(home, ['push', id, '--remote', 'origin', '--json'], {
      env: pushEnv({ CORRAL_GIT_TOKEN: token }),
    });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{ branch: string; commit: string; remote: string; credential: string }>();
    expect(out).toMatchObject({ branch, remote: 'origin', credential: 'CORRAL_GIT_TOKEN' });
    expect(out.commit).toBe(repo.git('rev-parse', branch).trim());
    expect(bare('origin.git', 'rev-parse', `refs/heads/${branch}`)).toBe(out.commit);
    expect(server.attempts).toContainEqual({ username: 'x-access-token', ok: true });
    expect(r.stderr).toContain(`pushing ${branch} to origin`);
  });

  it('refuses a wrong token with the authentication error and exit code 8', async () => {
    const r = await corral(home, ['push', id, '--json'], {
      env: pushEnv({ CORRAL_GIT_TOKEN: wrongToken }),
    });
    expect(r.code).toBe(8);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('AUTH_FAILED');
    expect(r.stderr).toMatch(
      /^corral: The push of corral\/\S+ to origin .* authentication refused/m,
    );
    expect(r.stderr + r.stdout).not.toContain(wrongToken);
  });

  it('says why a non-fast-forward push is rejected', async () => {
    // Someone else moved the remote branch to a commit this one does not contain.
    repo.git('checkout', '--quiet', '-b', 'other', 'main');
    await repo.write('other.txt', 'other\n');
    repo.git('add', 'other.txt');
    repo.git('commit', '--quiet', '-m', 'other');
    repo.git('checkout', '--quiet', 'main');
    repo.git(
      'push',
      '--quiet',
      '--force',
      join(gitRoot, 'origin.git'),
      `other:refs/heads/${branch}`,
    );
    const r = await corral(home, ['push', id], { env: pushEnv({ CORRAL_GIT_TOKEN: token }) });
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/rejected: non-fast-forward/);
    expect(bare('origin.git', 'rev-parse', `refs/heads/${branch}`)).toBe(
      repo.git('rev-parse', 'other').trim(),
    );
  });

  it('refuses an unknown instance (3), an unknown remote (4), --pr on a non-GitHub remote (4)', async () => {
    const env = pushEnv({ CORRAL_GIT_TOKEN: token });
    const none = await corral(home, ['push', 'shell-zzzzz'], { env });
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/^corral: No instance 'shell-zzzzz'/m);
    const remote = await corral(home, ['push', id, '--remote', 'nope'], { env });
    expect(remote.code).toBe(4);
    expect(remote.stderr).toMatch(
      /^corral: 'nope' is neither a remote of .* nor a URL or the path of a repository\./m,
    );
    expect(remote.stderr).toMatch(/remote -v lists them/);
    const pr = await corral(home, ['push', id, '--remote', 'elsewhere', '--pr'], { env });
    expect(pr.code).toBe(4);
    expect(pr.stderr).toMatch(
      /--pr opens a GitHub pull request, and elsewhere is .*not a github\.com repository/,
    );
    expect(github.requests).toEqual([]);
  });

  it('takes the path of a repository as --remote, relative to where it is run, with no token', async () => {
    const target = join(gitRoot, 'by-path.git');
    execFileSync('git', ['init', '--quiet', '--bare', target]);
    const r = await corral(home, ['push', id, '--remote', 'by-path.git', '--json'], {
      cwd: gitRoot,
      env: pushEnv({ CORRAL_GIT_TOKEN: token }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ remote: string }>().remote).toBe(target);
    expect(bare('by-path.git', 'rev-parse', branch)).toBe(repo.git('rev-parse', branch).trim());
  });

  it('--pr pushes to a github.com remote and opens the pull request with GITHUB_TOKEN', async () => {
    const r = await corral(home, ['push', id, '--remote', 'gh', '--pr', '--json'], {
      env: pushEnv({ GITHUB_TOKEN: token, CORRAL_GITHUB_API_URL: github.url }),
    });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{ commit: string; pullRequest: { number: number; base: string } }>();
    expect(out.pullRequest).toMatchObject({ number: 1, base: 'trunk', existing: false });
    expect(bare('acme/widgets.git', 'rev-parse', `refs/heads/${branch}`)).toBe(out.commit);

    const post = github.requests.find((q) => q.method === 'POST');
    expect(post?.path).toBe('/repos/acme/widgets/pulls');
    expect(post?.authorization).toBe(`Bearer ${token}`);
    const body = post?.body as { title: string; body: string; head: string; base: string };
    expect(body).toMatchObject({ head: branch, base: 'trunk', title: `corral: work of ${id}` });
    expect(body.body).toContain(`Corral-Instance: ${id}`);
    expect(body.body).toContain('- **agent:** shell');
    expect(body.body).toContain('- **status:** succeeded (exit code 0)');
    expect(body.body).toContain('- **files changed:** 1');
    expect(body.body).toContain(`\`${branch}\``);
    expect(body.body).toContain('sh -c echo x > x.txt');

    // Again, through the https form of the remote: the pull request is already open.
    const again = await corral(home, ['push', id, '--remote', 'gh-https', '--pr', '--json'], {
      env: pushEnv({ GITHUB_TOKEN: token, CORRAL_GITHUB_API_URL: github.url }),
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<{ pullRequest: unknown }>().pullRequest).toMatchObject({
      number: 1,
      existing: true,
    });
  });

  it('--pr with a GitHub App mints a token for this one push and repository', async () => {
    github.requests.length = 0;
    const r = await corral(home, ['push', id, '--remote', 'gh', '--pr', '--json'], {
      env: pushEnv({
        CORRAL_GITHUB_APP_ID: '4242',
        CORRAL_GITHUB_APP_PRIVATE_KEY_FILE: appKeyFile,
        CORRAL_GITHUB_API_URL: github.url,
      }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      credential: 'GitHub App 4242',
      pullRequest: { number: 1, existing: true },
    });
    expect(github.minted).toHaveLength(1);
    expect(github.minted[0]?.body).toMatchObject({ repositories: ['widgets'] });
    expect(server.attempts.at(-1)).toEqual({ username: 'x-access-token', ok: true });
    const pull = github.requests.find((q) => q.path.startsWith('/repos/acme/widgets/pulls'));
    expect(pull?.authorization).toBe(`Bearer ${github.minted[0]?.token}`);
  });

  it('--pr --base opens the pull request into that branch, and finds it open again', async () => {
    const env = pushEnv({ GITHUB_TOKEN: token, CORRAL_GITHUB_API_URL: github.url });
    const before = github.requests.length;
    const r = await corral(
      home,
      ['push', id, '--remote', 'gh', '--pr', '--base', 'release-1', '--json'],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json<{ pullRequest: { number: number } }>().pullRequest;
    expect(opened).toMatchObject({ base: 'release-1', head: branch, existing: false });
    expect(opened.number).not.toBe(1);
    const post = github.requests.filter((q) => q.method === 'POST').at(-1);
    expect(post?.body).toMatchObject({ head: branch, base: 'release-1' });
    // The repository's default branch was not asked for: --base named the base.
    expect(github.requests.slice(before).map((q) => `${q.method} ${q.path}`)).not.toContain(
      'GET /repos/acme/widgets',
    );

    // Again: the one into release-1 is open, not the one into trunk.
    const again = await corral(
      home,
      ['push', id, '--remote', 'gh', '--pr', '--base', 'release-1', '--json'],
      { env },
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<{ pullRequest: unknown }>().pullRequest).toMatchObject({
      number: opened.number,
      base: 'release-1',
      existing: true,
    });

    const alone = await corral(home, ['push', id, '--remote', 'gh', '--base', 'release-1'], {
      env,
    });
    expect(alone.code).toBe(2);
    expect(alone.stderr.trim()).toBe('corral: --base only applies with --pr.');
  });

  it('refuses a branch that is gone from the source repository (4)', async () => {
    repo.git('branch', '-D', branch);
    const r = await corral(home, ['push', id], { env: pushEnv({ CORRAL_GIT_TOKEN: token }) });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^corral: Branch corral\/\S+ is not in /m);
  });

  it('wrote neither token anywhere on disk', async () => {
    expect(await exists(join(userHome, '.git-credentials'))).toBe(false);
    const places = [join(repo.dir, '.git'), home, userHome, gitRoot, tmpdir()];
    const found: string[] = [];
    for (const place of places)
      for await (const file of walk(place))
        if (await contains(file, [token, wrongToken, ...github.minted.map((m) => m.token)]))
          found.push(file);
    expect(found).toEqual([]);
  });
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* walk(path);
    else if (e.isFile()) yield path;
  }
}

/** Files changed since the tests started, up to 20 MB, searched for the secrets. */
async function contains(file: string, secrets: string[]): Promise<boolean> {
  const s = await stat(file).catch(() => undefined);
  if (!s || s.size > 20 * 1024 * 1024 || s.mtimeMs < startedMs - 1000) return false;
  const text = await readFile(file).catch(() => undefined);
  return text !== undefined && secrets.some((secret) => text.includes(secret));
}
