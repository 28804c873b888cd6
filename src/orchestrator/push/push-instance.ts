/**
 * `corral push`: pushes an ended instance's branch `corral/<id>` from the source
 * repository (never from its workspace) to a remote, with a credential chosen by
 * credential-source.ts and obtained just before the push, then optionally opens a GitHub
 * pull request for it. Every refusal happens before anything is sent where it can be.
 */
import { CorralError } from '../../lib/errors.js';
import { describeStatus, isEnded, type Metadata } from '../../state/index.js';
import {
  getGitHubHttpsUrl,
  getGitHubRepo,
  expandUrl,
  git,
  loadRemote,
  parseRemoteUrl,
  pushBranch,
  redactUrl,
  type TokenCredential,
} from '../../workspace/index.js';
import type { InstanceStore } from '../instance-store.js';
import {
  chooseCredentialSource,
  describeCredentialSource,
  type CredentialSource,
} from './credential-source.js';
import { GitHubApi, getGitHubApiUrl, type PullRequest } from './github-api.js';
import { mintInstallationToken } from './github-app-token.js';
import { getPullRequestBody, getPullRequestTitle } from './pull-request-text.js';

export interface PushRequest {
  ref: string;
  remote: string;
  pullRequest: boolean;
  /** Base branch of the pull request (default: the repository's default branch). */
  base?: string;
  /** The pull request's title and body (default: from the instance, pull-request-text.ts). */
  text?: { title: string; body: string };
  env?: NodeJS.ProcessEnv;
  /** Where a relative repository path given as the remote is resolved. */
  cwd?: string;
  log?: (line: string) => void;
}

export interface PushResult {
  id: string;
  branch: string;
  remote: string;
  url: string;
  commit: string;
  credential: string;
  pullRequest: PullRequest | null;
}

async function getCommitSubject(m: Metadata): Promise<string | null> {
  const r = await git(m.sourceRepo, ['log', '-1', '--format=%s', `refs/heads/${m.branch}`], {
    allowFailure: true,
  });
  return r.exitCode === 0 ? r.stdout.trim() || null : null;
}

export async function pushInstance(
  store: InstanceStore,
  request: PushRequest,
): Promise<PushResult> {
  const env = request.env ?? process.env;
  const log = request.log ?? (() => undefined);
  const m = await store.resolve(request.ref);
  if (!isEnded(m.status))
    throw new CorralError(
      'INSTANCE_RUNNING',
      `${m.id} is still ${describeStatus(m.status)}; its branch is brought back when it ends.`,
      {
        hint: `Wait for it, or run corral stop ${m.id}, then push.`,
      },
    );
  const remote = await loadRemote(m.sourceRepo, request.remote, {
    ...(request.cwd ? { cwd: request.cwd } : {}),
  });
  const github = getGitHubRepo(remote.url) ?? getGitHubRepo(remote.pushUrl);
  if (request.pullRequest && !github)
    throw new CorralError(
      'NOT_A_GITHUB_REMOTE',
      `--pr opens a GitHub pull request, and ${request.remote} is ${redactUrl(remote.url)}, not a github.com repository.`,
      { hint: 'Push without --pr, or choose a GitHub remote with --remote.' },
    );
  const apiUrl = request.pullRequest ? getGitHubApiUrl(env) : '';
  // A repository on this machine is reached with no credential at all.
  const onDisk = ['local', 'file'].includes(parseRemoteUrl(remote.pushUrl).scheme);
  const source: CredentialSource = onDisk ? { kind: 'git' } : chooseCredentialSource(env, github);
  if (request.pullRequest && source.kind === 'git')
    throw new CorralError(
      'MISSING_CREDENTIAL',
      '--pr needs a GitHub token, and none is configured.',
      {
        hint: 'Set GITHUB_TOKEN (or CORRAL_GIT_TOKEN), or a GitHub App (CORRAL_GITHUB_APP_ID and its private key).',
      },
    );

  // Obtained just before use, kept in memory only.
  let credential: TokenCredential | null = null;
  if (source.kind === 'env-token')
    credential = {
      token: (env[source.variable] ?? '').trim(),
      username: env.CORRAL_GIT_USERNAME?.trim() || 'x-access-token',
    };
  else if (source.kind === 'github-app' && github)
    credential = {
      token: await mintInstallationToken(source, github, {
        apiUrl: apiUrl || getGitHubApiUrl(env),
        pullRequests: request.pullRequest,
        env,
      }),
      username: 'x-access-token',
    };

  // A token cannot go over ssh: a GitHub ssh remote is pushed to over https instead.
  const sshGitHub = credential && github && parseRemoteUrl(remote.pushUrl).scheme === 'ssh';
  const url = sshGitHub ? getGitHubHttpsUrl(github) : undefined;
  const printable = redactUrl(url ?? remote.pushUrl);
  log(
    `corral: pushing ${m.branch} to ${remote.name} (${printable}) with ${describeCredentialSource(source)}`,
  );
  const { commit } = await pushBranch({
    repo: m.sourceRepo,
    remote: remote.name,
    pushUrl: url ? await expandUrl(m.sourceRepo, url) : remote.pushUrl,
    url,
    branch: m.branch,
    credential,
    userEnv: env,
  });

  let pullRequest: PullRequest | null = null;
  if (request.pullRequest && github && credential) {
    const api = new GitHubApi(apiUrl, credential.token);
    const base = request.base ?? (await api.getDefaultBranch(github));
    pullRequest = await api.openPullRequest(github, {
      ...(request.text ?? {
        title: getPullRequestTitle(m, await getCommitSubject(m)),
        body: getPullRequestBody(m),
      }),
      head: m.branch,
      base,
    });
  }
  return {
    id: m.id,
    branch: m.branch,
    remote: remote.name,
    url: printable,
    commit,
    credential: describeCredentialSource(source),
    pullRequest,
  };
}
