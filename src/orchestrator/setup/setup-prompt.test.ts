/** The built-in task of `corral setup --discover`: what it asks for, and what it says of the network. */
import { describe, expect, it } from 'vitest';
import { makeSetupPrompt } from './setup-prompt.js';

describe('makeSetupPrompt', () => {
  it('asks for an idempotent, non-interactive script that installs what the tests need, and no test run', () => {
    const prompt = makeSetupPrompt({ reachable: [] });
    expect(prompt).toMatch(/^Write \.corral\/setup\.sh for this repository, then stop\./);
    expect(prompt).toContain('can run twice without harm');
    expect(prompt).toContain('runs without a terminal or questions');
    expect(prompt).toContain('does not run the tests, needs no secret');
    expect(prompt).toContain('run `bash .corral/setup.sh` and fix it until it exits 0');
    expect(prompt).toContain('nothing can be downloaded');
  });

  it('names the hosts it may reach and adds the extra instructions at the end', () => {
    const prompt = makeSetupPrompt({
      reachable: ['registry.npmjs.org', 'pypi.org'],
      extra: 'use pnpm',
    });
    expect(prompt).toContain(
      'The network reaches only your model API and registry.npmjs.org, pypi.org.',
    );
    expect(prompt.trimEnd().endsWith('Also: use pnpm')).toBe(true);
  });
});
