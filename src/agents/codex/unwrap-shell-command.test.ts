import { describe, expect, it } from 'vitest';
import { unwrapShellCommand } from './unwrap-shell-command.js';

describe('unwrapShellCommand', () => {
  it.each([
    ["/bin/bash -lc 'cat a.txt'", 'cat a.txt'],
    ['/bin/bash -lc ls', 'ls'],
    ['bash -c "echo \\"hi\\" \\$HOME"', 'echo "hi" $HOME'],
    [`/bin/zsh -lc 'it'"'"'s here'`, "it's here"],
    ["/usr/bin/sh -c 'a\nb'", 'a\nb'],
  ])('takes the script out of %s', (command, script) => {
    expect(unwrapShellCommand(command)).toBe(script);
  });

  it.each([
    'cat a.txt',
    "/bin/bash -lc 'echo a' extra",
    "/bin/bash -lc 'unterminated",
    '/bin/bash -lc $(whoami)',
    "python -c 'print(1)'",
  ])('leaves %s as it is', (command) => {
    expect(unwrapShellCommand(command)).toBe(command);
  });
});
