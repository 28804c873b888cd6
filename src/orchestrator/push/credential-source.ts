/**
 * Which credential a push uses, as an ordered list of strategies, explicit first: a token
 * in CORRAL_GIT_TOKEN (any host); GITHUB_TOKEN or GH_TOKEN (github.com remotes only, so a
 * GitHub token is never offered to another host); a GitHub App (CORRAL_GITHUB_APP_ID and
 * its private key), whose installation token is minted per push; else the user's own git
 * setup (credential helper, ssh). Choosing reads only the environment; minting is elsewhere.
 */
import { CorralError } from '../../lib/errors.js';
import type { GitHubRepo } from '../../workspace/index.js';

export type CredentialSource =
  | { kind: 'env-token'; variable: string }
  | {
      kind: 'github-app';
      appId: string;
      privateKey: { variable: string } | { file: string };
      installationId: number | null;
    }
  | { kind: 'git' };

type Strategy = (env: NodeJS.ProcessEnv, github: GitHubRepo | null) => CredentialSource | null;

const set = (env: NodeJS.ProcessEnv, name: string): boolean => Boolean(env[name]?.trim());

const corralToken: Strategy = (env) =>
  set(env, 'CORRAL_GIT_TOKEN') ? { kind: 'env-token', variable: 'CORRAL_GIT_TOKEN' } : null;

const githubToken: Strategy = (env, github) => {
  if (!github) return null;
  const variable = ['GITHUB_TOKEN', 'GH_TOKEN'].find((name) => set(env, name));
  return variable ? { kind: 'env-token', variable } : null;
};

const githubApp: Strategy = (env, github) => {
  if (!github || !set(env, 'CORRAL_GITHUB_APP_ID')) return null;
  const privateKey = set(env, 'CORRAL_GITHUB_APP_PRIVATE_KEY')
    ? { variable: 'CORRAL_GITHUB_APP_PRIVATE_KEY' }
    : set(env, 'CORRAL_GITHUB_APP_PRIVATE_KEY_FILE')
      ? { file: env.CORRAL_GITHUB_APP_PRIVATE_KEY_FILE!.trim() }
      : null;
  if (!privateKey)
    throw new CorralError('MISSING_CREDENTIAL', 'CORRAL_GITHUB_APP_ID is set but no private key.', {
      hint: 'Set CORRAL_GITHUB_APP_PRIVATE_KEY (the PEM) or CORRAL_GITHUB_APP_PRIVATE_KEY_FILE (its path).',
    });
  const rawId = env.CORRAL_GITHUB_APP_INSTALLATION_ID?.trim();
  const installationId = rawId ? Number(rawId) : null;
  if (installationId !== null && !Number.isSafeInteger(installationId))
    throw new CorralError('USAGE', `CORRAL_GITHUB_APP_INSTALLATION_ID is not a number: ${rawId}.`);
  return {
    kind: 'github-app',
    appId: env.CORRAL_GITHUB_APP_ID!.trim(),
    privateKey,
    installationId,
  };
};

const userGit: Strategy = () => ({ kind: 'git' });

export const credentialStrategies: readonly Strategy[] = [
  corralToken,
  githubToken,
  githubApp,
  userGit,
];

/**
 * @example chooseCredentialSource({ GITHUB_TOKEN: 't' }, { owner: 'a', repo: 'b' })
 *   // { kind: 'env-token', variable: 'GITHUB_TOKEN' }
 */
export function chooseCredentialSource(
  env: NodeJS.ProcessEnv,
  github: GitHubRepo | null,
): CredentialSource {
  for (const strategy of credentialStrategies) {
    const source = strategy(env, github);
    if (source) return source;
  }
  return { kind: 'git' };
}

/** How a source is named to the user (never its value). */
export function describeCredentialSource(source: CredentialSource): string {
  switch (source.kind) {
    case 'env-token':
      return source.variable;
    case 'github-app':
      return `GitHub App ${source.appId}`;
    case 'git':
      return "git's own credential helper";
  }
}
