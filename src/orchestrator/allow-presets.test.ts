import { describe, expect, it } from 'vitest';
import { parseHostPattern } from '../gateway/policy.js';
import {
  allowPresetNames,
  allowPresets,
  describeAllowance,
  expandAllowEntries,
  expandAllowPresets,
} from './allow-presets.js';

describe('allow presets', () => {
  it('are the six registries, each a list of hosts the allowlist accepts', () => {
    expect(allowPresetNames).toEqual(['npm', 'pypi', 'crates', 'go', 'debian', 'github']);
    for (const hosts of Object.values(allowPresets)) {
      for (const host of hosts) expect(parseHostPattern(host)).toMatchObject({ host });
    }
    expect(allowPresets.pypi).toEqual(['pypi.org', 'files.pythonhosted.org']);
  });

  it('expand on run, refusing a name that is not a preset', () => {
    expect(expandAllowPresets(['npm', 'npm'])).toEqual([...allowPresets.npm]);
    let error: unknown;
    try {
      expandAllowPresets(['registry.npmjs.org']);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'USAGE',
      message: "--allow 'registry.npmjs.org' is not a preset.",
    });
    expect((error as { hint: string }).hint).toContain('--allow-host <host>');
  });

  it('stand for their hosts among hosts, for corral allow and deny', () => {
    expect(expandAllowEntries(['pypi', 'example.test', 'pypi.org'])).toEqual([
      'pypi.org',
      'files.pythonhosted.org',
      'example.test',
    ]);
  });

  it('are found back from the hosts they hold', () => {
    expect(
      describeAllowance(['static.crates.io', 'sum.golang.org', 'deb.debian.org', 'x.test']),
    ).toEqual({ presets: ['crates', 'go', 'debian'], hosts: ['x.test'] });
  });
});
