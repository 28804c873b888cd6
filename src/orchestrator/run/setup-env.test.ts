/** The setup's variables by name: their values from the given environment, or one clear line. */
import { describe, expect, it } from 'vitest';
import { pickSetupEnv } from './setup-env.js';

describe('pickSetupEnv', () => {
  it('takes the named values, and nothing else of the environment', () => {
    const env = { NPM_TOKEN: 'secret-1', OTHER: 'x', PATH: '/bin' };
    expect(pickSetupEnv(['NPM_TOKEN'], env)).toEqual({ NPM_TOKEN: 'secret-1' });
    expect(pickSetupEnv([], env)).toEqual({});
  });

  it('refuses a name not set (or empty) as a missing credential, and a name that is none', () => {
    const missing = thrown(() => pickSetupEnv(['NPM_TOKEN'], {}));
    expect(missing).toMatchObject({
      code: 'MISSING_CREDENTIAL',
      message: '--setup-env NPM_TOKEN: NPM_TOKEN is not set in this environment.',
    });
    expect(() => pickSetupEnv(['NPM_TOKEN'], { NPM_TOKEN: '' })).toThrow(/is not set/);
    expect(thrown(() => pickSetupEnv(['A=B'], { 'A=B': 'x' }))).toMatchObject({ code: 'USAGE' });
  });
});

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('it did not throw');
}
