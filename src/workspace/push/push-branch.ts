/**
 * Pushes one branch of the source repository (trusted; never a workspace) with `git push`,
 * host-side. With a token, the token reaches only that git process, through its
 * environment (see credential-env.ts); without one, git uses the user's own credential
 * helper or ssh setup. Trace variables that could log the exchange are cleared, and the
 * token variables corral was started with are not passed on.
 */
import { CorralError } from '../../lib/errors.js';
import { Redactor } from '../../lib/redactor.js';
import { git } from '../git.js';
import { getCredentialEnv, type TokenCredential } from './credential-env.js';
import { describePushFailure } from './push-failure.js';
import { isLoopbackHost, parseRemoteUrl, redactUrl } from './remote-url.js';

export interface PushBranchRequest {
  repo: string;
  /** The remote's name (shown in messages; pushed to unless `url` is given). */
  remote: string;
  /** Where git really connects (insteadOf applied); a token is answered only for its host. */
  pushUrl: string;
  /**
   * Push to this URL instead of the remote by name (an ssh GitHub remote pushed over
   * https); `pushUrl` is then this URL expanded.
   */
  url?: string;
  branch: string;
  credential: TokenCredential | null;
  /**
   * The asking user's environment, where git's own credentials and ssh come from (their
   * HOME and git config, an ssh agent); a push made by the engine has no terminal of its own.
   */
  userEnv?: NodeJS.ProcessEnv;
}

/** What a push takes from the user's environment for git's own credentials. */
const userVariables = [
  'HOME',
  'XDG_CONFIG_HOME',
  'SSH_AUTH_SOCK',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_ASKPASS',
  'GIT_CONFIG_GLOBAL',
];

const tokenVariables = ['CORRAL_GIT_TOKEN', 'GITHUB_TOKEN', 'GH_TOKEN'];

/** Environment changes for the push: no tracing (it could log the exchange), no stray tokens. */
function getPushEnv(request: PushBranchRequest): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(process.env))
    if (/^GIT_TRACE/.test(key) || tokenVariables.includes(key)) env[key] = undefined;
  for (const key of userVariables) if (request.userEnv?.[key]) env[key] = request.userEnv[key];
  env.GIT_TRACE2 = '0';
  env.GIT_TRACE2_EVENT = '0';
  env.GIT_TRACE2_PERF = '0';
  if (!request.credential) return env;
  const target = parseRemoteUrl(request.pushUrl);
  const printable = redactUrl(request.pushUrl);
  if (target.scheme !== 'https' && target.scheme !== 'http')
    throw new CorralError(
      'MISSING_CREDENTIAL',
      `A token can only be used over https, and ${request.remote} is ${printable}.`,
      { hint: 'Unset the token to push with your own ssh setup, or use an https remote.' },
    );
  if (target.scheme === 'http' && !isLoopbackHost(target.hostname))
    throw new CorralError(
      'MISSING_CREDENTIAL',
      `Refusing to send a token over plain http to ${target.host ?? printable}.`,
      { hint: 'Use an https remote.' },
    );
  return {
    ...env,
    ...getCredentialEnv(request.credential, { protocol: target.scheme, host: target.host ?? '' }),
  };
}

/** Pushes `refs/heads/<branch>` to the same name on the remote; returns the pushed commit. */
export async function pushBranch(request: PushBranchRequest): Promise<{ commit: string }> {
  const ref = `refs/heads/${request.branch}`;
  const tip = await git(request.repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    allowFailure: true,
  });
  if (tip.exitCode !== 0)
    throw new CorralError(
      'BRANCH_NOT_FOUND',
      `Branch ${request.branch} is not in ${request.repo}.`,
      {
        hint: 'It may have been deleted; corral ls shows what remains.',
      },
    );
  const env = getPushEnv(request);
  const r = await git(
    request.repo,
    ['push', '--porcelain', request.url ?? request.remote, `${ref}:${ref}`],
    { allowFailure: true, env },
  );
  if (r.exitCode !== 0) {
    const redactor = new Redactor(request.credential ? [request.credential.token] : []);
    const error = describePushFailure(redactor.redact(r.stdout), redactor.redact(r.stderr), {
      remote: request.remote,
      branch: request.branch,
      url: redactUrl(request.pushUrl),
    });
    throw error;
  }
  return { commit: tip.stdout.trim() };
}
