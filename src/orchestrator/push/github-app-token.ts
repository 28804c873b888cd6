/**
 * Mints a GitHub App installation token for one push: scoped to the one repository and to
 * the permissions the push needs, held in memory only, and never cached on disk
 * (@octokit/auth-app keeps it in its in-process cache, which ends with the command).
 */
import { readFile } from 'node:fs/promises';
import { CorralError } from '../../lib/errors.js';
import type { GitHubRepo } from '../../workspace/index.js';
import type { CredentialSource } from './credential-source.js';

type AppSource = Extract<CredentialSource, { kind: 'github-app' }>;

async function loadPrivateKey(source: AppSource, env: NodeJS.ProcessEnv): Promise<string> {
  if ('file' in source.privateKey) {
    const file = source.privateKey.file;
    return readFile(file, 'utf8').catch((error: unknown) => {
      throw new CorralError(
        'MISSING_CREDENTIAL',
        `Cannot read the GitHub App private key at ${file}.`,
        {
          hint: 'Check CORRAL_GITHUB_APP_PRIVATE_KEY_FILE.',
          cause: error,
        },
      );
    });
  }
  // A PEM passed through an environment variable often has its newlines written as \n.
  return (env[source.privateKey.variable] ?? '').replace(/\\n/g, '\n');
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function toCorralError(error: unknown, what: string, repo: GitHubRepo, appId: string): CorralError {
  if (error instanceof CorralError) return error;
  const status = statusOf(error);
  const name = `${repo.owner}/${repo.repo}`;
  if (status === 404)
    return new CorralError(
      'MISSING_CREDENTIAL',
      `The GitHub App ${appId} is not installed on ${name}.`,
      {
        hint: 'Install the app on that repository, or set CORRAL_GITHUB_APP_INSTALLATION_ID.',
        cause: error,
      },
    );
  if (status === 401 || status === 403 || status === 422)
    return new CorralError(
      'AUTH_FAILED',
      `GitHub refused to ${what} for App ${appId} on ${name} (${status}).`,
      {
        hint: 'Check CORRAL_GITHUB_APP_ID, the private key, and the permissions the app was granted.',
        cause: error,
      },
    );
  if (status === undefined && !(error instanceof Error && /key/i.test(error.message)))
    return new CorralError(
      'REMOTE_UNREACHABLE',
      `The GitHub API is unreachable (${String(error)}).`,
      {
        cause: error,
      },
    );
  return new CorralError(
    'GITHUB_API_FAILED',
    `Could not ${what} for GitHub App ${appId}: ${(error as Error).message}`,
    {
      cause: error,
    },
  );
}

/** An installation token for `repo` alone, with contents (and pull-request) write permission. */
export async function mintInstallationToken(
  source: AppSource,
  repo: GitHubRepo,
  options: { apiUrl: string; pullRequests: boolean; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const privateKey = await loadPrivateKey(source, options.env ?? process.env);
  // Loaded here, not at start-up: only a push with a GitHub App needs them (≈40 ms).
  const [{ createAppAuth }, { request }] = await Promise.all([
    import('@octokit/auth-app'),
    import('@octokit/request'),
  ]);
  const api = request.defaults({ baseUrl: options.apiUrl, headers: { 'user-agent': 'corral' } });
  let step = 'sign in';
  try {
    const auth = createAppAuth({ appId: source.appId, privateKey, request: api });
    let installationId = source.installationId;
    if (installationId === null) {
      step = 'find the installation';
      const { token: jwt } = await auth({ type: 'app' });
      const r = await api('GET /repos/{owner}/{repo}/installation', {
        owner: repo.owner,
        repo: repo.repo,
        headers: { authorization: `bearer ${jwt}` },
      });
      installationId = r.data.id;
    }
    step = 'mint an installation token';
    const { token } = await auth({
      type: 'installation',
      installationId,
      repositoryNames: [repo.repo],
      permissions: options.pullRequests
        ? { contents: 'write', pull_requests: 'write' }
        : { contents: 'write' },
    });
    return token;
  } catch (error) {
    throw toCorralError(error, step, repo, source.appId);
  }
}
