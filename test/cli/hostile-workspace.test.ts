/**
 * After the agent has run, the workspace is hostile input. Here the sandboxed command
 * plants every git feature that executes something — hooks, core.fsmonitor, filter and
 * textconv drivers, a pager, an editor, an ssh command, an include of a file outside the
 * tree — plus symlinks out of the tree. Each would touch a marker file on the host if the
 * host ran it. Bring-back, diff and gc must run none of them, and the branch must still
 * arrive, with the symlinks committed as links rather than the files they point at.
 */
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

function plantScript(marker: string, secret: string): string {
  const hooks = [
    'pre-commit',
    'post-commit',
    'commit-msg',
    'prepare-commit-msg',
    'reference-transaction',
    'post-checkout',
    'pre-auto-gc',
    'post-index-change',
    'pre-push',
    'post-rewrite',
  ];
  // The local backend makes .git/config and .git/hooks read-only, so some plants fail
  // there; each line is tried on its own.
  return [
    ...hooks.map(
      (h) =>
        `printf '#!/bin/sh\\ntouch ${marker}/hook-${h}\\n' > .git/hooks/${h} && chmod +x .git/hooks/${h}`,
    ),
    `git config core.fsmonitor "touch ${marker}/fsmonitor; false"`,
    `git config filter.evil.clean "touch ${marker}/clean; cat"`,
    `git config filter.evil.smudge "touch ${marker}/smudge; cat"`,
    `git config filter.evil.required false`,
    `git config diff.evil.textconv "touch ${marker}/textconv; cat"`,
    `git config core.pager "touch ${marker}/pager; cat"`,
    `git config core.editor "touch ${marker}/editor"`,
    `git config core.sshCommand "touch ${marker}/ssh"`,
    `git config uploadpack.packObjectsHook "touch ${marker}/pack-objects-hook"`,
    `git config include.path ${marker}/../evil.cfg`,
    `echo '* filter=evil diff=evil' > .gitattributes`,
    'ln -s /etc/passwd passwd-link',
    `ln -s ${secret} secret-link`,
    'echo changed > file.txt',
  ]
    .map((line) => `${line} || true`)
    .concat('echo planted')
    .join('\n');
}

describe.each(['docker', 'local'])('hostile workspace (%s)', (backend) => {
  it('runs nothing the workspace controls on the host, and the branch still arrives', async () => {
    const home = await makeHome();
    const repo = await makeRepo({ 'file.txt': 'original\n' });
    const outside = await mkdtemp(join(tmpdir(), 'corral-outside-'));
    const marker = join(outside, 'markers');
    await import('node:fs/promises').then((fs) => fs.mkdir(marker));
    const secret = join(outside, 'secret.txt');
    await writeFile(secret, 'host secret\n');
    await writeFile(
      join(outside, 'evil.cfg'),
      `[core]\n\tfsmonitor = touch ${marker}/included-fsmonitor; false\n`,
    );

    const r = await corral(
      home,
      ['run', '--backend', backend, '--json', '--', 'sh', '-c', plantScript(marker, secret)],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{ id: string; branch: string; status: string }>();
    expect(out.status).toBe('succeeded');
    expect(repo.show(out.branch, 'file.txt')).toBe('changed\n');
    // Symlinks arrive as links, not as the content of what they point at.
    expect(repo.git('ls-tree', out.branch, 'passwd-link', 'secret-link')).toMatch(
      /^120000 blob .*passwd-link\n120000 blob .*secret-link\n$/,
    );
    expect(repo.show(out.branch, 'secret-link')).toBe(secret);

    const diff = await corral(home, ['diff', out.id]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('+changed');
    const gc = await corral(home, ['gc']);
    expect(gc.code, gc.stderr).toBe(0);
    repo.git('log', '-p', out.branch);

    expect(await readdir(marker)).toEqual([]);
  });
});
