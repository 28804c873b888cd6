import { describe, expect, it } from 'vitest';
import { CorralError } from '../../../lib/errors.js';
import { detectComposeCli, getComposeEnv } from './compose-cli.js';

describe('getComposeEnv', () => {
  it('passes where the engine is, never the rest of the host environment', () => {
    const env = getComposeEnv(
      { ANTHROPIC_API_KEY: 'sk-test' },
      {
        PATH: '/bin',
        DOCKER_HOST: 'unix:///run/d.sock',
        AWS_SECRET_ACCESS_KEY: 'x',
        COMPOSE_FILE: 'y',
      },
    );
    expect(env).toEqual({
      PATH: '/bin',
      DOCKER_HOST: 'unix:///run/d.sock',
      ANTHROPIC_API_KEY: 'sk-test',
    });
  });
});

describe('detectComposeCli', () => {
  it('names the fix when the configured command does not run', async () => {
    const error = await detectComposeCli({ command: ['/nonexistent/compose'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorralError);
    expect((error as CorralError).code).toBe('BACKEND_UNAVAILABLE');
    expect((error as CorralError).message).toContain('/nonexistent/compose');
  });
});
