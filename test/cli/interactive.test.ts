/**
 * `corral run -i`: the command gets a real terminal. The test drives the CLI through a
 * pseudo-terminal made by util-linux `script`, as a person at a terminal would.
 */
import { describe, expect, it } from 'vitest';
import { makeHome } from '../helpers/cli.js';
import { underPty } from '../helpers/pty.js';
import { makeRepo } from '../helpers/git-repo.js';

describe.each(['docker', 'local'])('corral run -i (%s)', (backend) => {
  it('gives the command a real terminal, and its work still comes back', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await underPty(home, repo.dir, [
      'run',
      '-i',
      '--backend',
      backend,
      '--',
      'sh',
      '-c',
      'test -t 0 && test -t 1 && echo "tty: yes"; echo typed > tty.txt',
    ]);
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain('tty: yes');
    const id = /corral\/(shell-[a-z0-9]{5})/.exec(r.screen)?.[1];
    expect(repo.show(`corral/${id}`, 'tty.txt')).toBe('typed\n');
  });

  it('in raw mode Ctrl-C reaches the command as a key, not as a stop', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await underPty(
      home,
      repo.dir,
      [
        'run',
        '-i',
        '--backend',
        backend,
        '--',
        'sh',
        '-c',
        'stty raw -echo; echo ready; key=$(dd bs=1 count=1 2>/dev/null | od -An -c | tr -d " "); stty sane; echo "got [$key]"',
      ],
      { waitFor: 'ready', keys: '\x03' },
    );
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain('got [003]');
    expect(r.screen).toContain('succeeded');
  });
});

describe('corral run -i (docker)', () => {
  it('a Ctrl-C in cooked mode interrupts the command inside the sandbox', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await underPty(
      home,
      repo.dir,
      [
        'run',
        '-i',
        '--backend',
        'docker',
        '--',
        'sh',
        '-c',
        'trap "echo interrupted; exit 3" INT; echo ready; sleep 30 & wait',
      ],
      { waitFor: 'ready', keys: '\x03' },
    );
    expect(r.screen).toContain('interrupted');
    expect(r.code).toBe(3);
  });
});
