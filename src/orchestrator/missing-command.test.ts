import { describe, expect, it } from 'vitest';
import { findMissingCommand } from './missing-command.js';

describe('findMissingCommand', () => {
  it.each([
    ['sh: 1: npm: not found', 'npm'],
    ['/bin/sh: 1: mocha: not found', 'mocha'],
    ['bash: line 1: npx: command not found', 'npx'],
    ['bash: pytest: command not found', 'pytest'],
    ['sh: make: not found', 'make'],
    ['zsh:1: command not found: cargo', 'cargo'],
    ["env: 'node': No such file or directory", 'node'],
    ['go: command not found in the sandbox', 'go'],
  ])('%s → %s', (line, name) => {
    expect(findMissingCommand(line)).toBe(name);
  });

  it.each(['npm ERR! not found: left-pad', 'Error: file not found', 'all tests passed'])(
    'ignores %s',
    (line) => {
      expect(findMissingCommand(line)).toBeNull();
    },
  );
});
