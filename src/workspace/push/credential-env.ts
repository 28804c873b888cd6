/**
 * The environment that hands a token to exactly one git process. Git reads two config
 * entries from the environment (GIT_CONFIG_COUNT/KEY/VALUE, command-line scope, read last):
 * an empty `credential.helper`, which drops every helper the user configured (so
 * `credential.helper=store` cannot save the token), then an inline shell helper that
 * prints the token from an environment variable, only to `get` requests for the expected
 * protocol and host (a redirect elsewhere gets nothing). The token itself is never in argv
 * (which `ps` shows), never in a config value (which trace2 can log), never in a file.
 */
import { CorralError } from '../../lib/errors.js';

export interface TokenCredential {
  token: string;
  /** Basic-auth user name; GitHub accepts `x-access-token` for every kind of token. */
  username: string;
}

/** Reads the credential request on stdin and answers only for the expected protocol and host. */
export const inlineCredentialHelper =
  '!f() { test "$1" = get || exit 0; p=; h=; ' +
  'while IFS= read -r l; do case "$l" in protocol=*) p="${l#protocol=}";; host=*) h="${l#host=}";; esac; done; ' +
  'if [ "$p" = "$CORRAL_PUSH_PROTOCOL" ] && [ "$h" = "$CORRAL_PUSH_HOST" ]; then ' +
  'printf \'username=%s\\npassword=%s\\n\' "$CORRAL_PUSH_USERNAME" "$CORRAL_PUSH_TOKEN"; fi; }; f';

/**
 * Environment entries for one git process that authenticate to `protocol://host` with the
 * token. `base` is the environment the process would otherwise get (its GIT_CONFIG_COUNT
 * entries are kept).
 */
export function getCredentialEnv(
  credential: TokenCredential,
  target: { protocol: 'https' | 'http'; host: string },
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  for (const [what, value] of [
    ['token', credential.token],
    ['user name', credential.username],
  ] as const) {
    if (!value || /[\s\0]/.test(value))
      throw new CorralError(
        'MISSING_CREDENTIAL',
        `The git ${what} is empty or contains whitespace.`,
        {
          hint: 'Check the variable it comes from.',
        },
      );
  }
  const start = Number.parseInt(base.GIT_CONFIG_COUNT ?? '0', 10) || 0;
  const entries: Array<[string, string]> = [
    ['credential.helper', ''],
    ['credential.helper', inlineCredentialHelper],
  ];
  const env: Record<string, string> = {
    GIT_CONFIG_COUNT: String(start + entries.length),
    CORRAL_PUSH_PROTOCOL: target.protocol,
    CORRAL_PUSH_HOST: target.host,
    CORRAL_PUSH_USERNAME: credential.username,
    CORRAL_PUSH_TOKEN: credential.token,
  };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${start + i}`] = key;
    env[`GIT_CONFIG_VALUE_${start + i}`] = value;
  });
  return env;
}
