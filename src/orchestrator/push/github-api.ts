/**
 * The few GitHub REST calls a push needs: a repository's default branch, and opening (or
 * finding the already open) pull request. The base URL comes from CORRAL_GITHUB_API_URL
 * (default https://api.github.com), so tests point it at a local stand-in. Redirects are
 * not followed: the token is sent to that one origin only.
 */
import { CorralError } from '../../lib/errors.js';
import { isLoopbackHost, type GitHubRepo } from '../../workspace/index.js';

export interface PullRequest {
  number: number;
  url: string;
  base: string;
  head: string;
  /** True when it was already open and none was made. */
  existing: boolean;
}

export function getGitHubApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.CORRAL_GITHUB_API_URL?.trim() || 'https://api.github.com';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CorralError('USAGE', `CORRAL_GITHUB_API_URL is not a URL: ${raw}.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))
    throw new CorralError(
      'USAGE',
      `CORRAL_GITHUB_API_URL must be https (or http to loopback): ${raw}.`,
    );
  return raw.replace(/\/+$/, '');
}

interface ApiFailure {
  message?: string;
  errors?: Array<{ message?: string; code?: string }>;
}

export class GitHubApi {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.apiUrl}${path}`, {
        method,
        redirect: 'error',
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.token}`,
          'user-agent': 'corral',
          'x-github-api-version': '2022-11-28',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CorralError(
        'REMOTE_UNREACHABLE',
        `The GitHub API at ${this.apiUrl} is unreachable.`,
        {
          hint: 'Check the network (and CORRAL_GITHUB_API_URL).',
          cause: error,
        },
      );
    }
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    let failure: ApiFailure = {};
    try {
      failure = JSON.parse(text) as ApiFailure;
    } catch {
      // not JSON: the status says enough
    }
    const details = [failure.message, ...(failure.errors ?? []).map((e) => e.message ?? e.code)]
      .filter(Boolean)
      .join('; ');
    const what = `GitHub refused ${method} ${path} (${response.status}${details ? `: ${details}` : ''})`;
    if (response.status === 401 || response.status === 403)
      throw new CorralError('AUTH_FAILED', `${what}.`, {
        hint: 'The token may be wrong, expired, or lack pull-request permission on this repository.',
      });
    throw new CorralError('GITHUB_API_FAILED', `${what}.`);
  }

  async getDefaultBranch(repo: GitHubRepo): Promise<string> {
    const r = await this.call<{ default_branch?: string }>(
      'GET',
      `/repos/${repo.owner}/${repo.repo}`,
    );
    if (!r.default_branch)
      throw new CorralError(
        'GITHUB_API_FAILED',
        `GitHub did not say the default branch of ${repo.owner}/${repo.repo}.`,
        {
          hint: 'Pass --base <branch>.',
        },
      );
    return r.default_branch;
  }

  /** Opens a pull request; when one is already open from the branch into `base`, returns that one. */
  async openPullRequest(
    repo: GitHubRepo,
    pr: { title: string; body: string; head: string; base: string },
  ): Promise<PullRequest> {
    const path = `/repos/${repo.owner}/${repo.repo}/pulls`;
    type Raw = { number: number; html_url: string; base: { ref: string }; head: { ref: string } };
    const shape = (r: Raw, existing: boolean): PullRequest => ({
      number: r.number,
      url: r.html_url,
      base: r.base.ref,
      head: r.head.ref,
      existing,
    });
    try {
      return shape(
        await this.call<Raw>('POST', path, { ...pr, maintainer_can_modify: true }),
        false,
      );
    } catch (error) {
      if (!(error instanceof CorralError) || !/already exists/i.test(error.message)) throw error;
      // One head may have open pull requests into several bases: this one's is wanted.
      const query = `?state=open&head=${encodeURIComponent(`${repo.owner}:${pr.head}`)}&base=${encodeURIComponent(pr.base)}`;
      const open = await this.call<Raw[]>('GET', `${path}${query}`);
      if (!open[0]) throw error;
      return shape(open[0], true);
    }
  }
}
