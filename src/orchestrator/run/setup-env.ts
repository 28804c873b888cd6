/**
 * The setup's secrets (`--setup-env NAME`): variables of the asking user's environment that
 * the setup's process alone gets, e.g. a token for a private registry. Only their names are
 * recorded (metadata, battle spec); the values travel with each request as an agent's
 * credentials do, reach the setup's exec and no other process, and are redacted from
 * everything the run writes. Light on purpose: the CLI checks the names with it before
 * anything starts.
 */
import { CorralError } from '../../lib/errors.js';

const namePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The values of `names` in `env`; throws a usage error for a name that is no variable's,
 * and MISSING_CREDENTIAL for one not set (or empty) there.
 *
 * @example
 * pickSetupEnv(['NPM_TOKEN'], process.env); // { NPM_TOKEN: '…' }
 */
export function pickSetupEnv(
  names: readonly string[],
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    if (!namePattern.test(name)) {
      throw new CorralError('USAGE', `--setup-env '${name}' is not a variable's name.`, {
        hint: 'Name a variable of your environment, e.g. --setup-env NPM_TOKEN.',
      });
    }
    const value = env[name];
    if (value === undefined || value === '') {
      throw new CorralError(
        'MISSING_CREDENTIAL',
        `--setup-env ${name}: ${name} is not set in this environment.`,
        { hint: `Export it (export ${name}=…) and run again.` },
      );
    }
    out[name] = value;
  }
  return out;
}
