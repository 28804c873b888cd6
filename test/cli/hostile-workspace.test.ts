/**
 * After the agent has run, the workspace is hostile input. Here the sandboxed command
 * plants every git feature that executes something — hooks, core.fsmonitor, filter and
 * textconv drivers, a pager, an editor, an ssh command, an include of a file outside the
 * tree — plus symlinks out of the tree. Each would touch a marker file on the host if the
 * host ran it. Bring-back, diff and gc must run none of them, and the branch must still
 * arrive, with the symlinks committed as links rather than the files they point at. Every
 * plant is read back inside the sandbox first (the local backend keeps `.git/config` and
 * `.git/hooks` read-only, so there exactly those are refused).
 *
 * Then the git configuration that would hide the work (test/fixtures/hostile-git.ts): each
 * plant is shown to bite inside the sandbox, and the branch holds the work byte for byte.
 * And when the work truly cannot come back (the repository deleted, HEAD unreadable), the
 * run fails with exit 6 and keeps the workspace.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import { expectWorkOn } from '../helpers/expect-work.js';
import { baseFiles, gitPlants, plantAndWorkScript } from '../fixtures/hostile-git.js';

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
  // Each line is tried on its own and reports whether it took: the local backend makes
  // .git/config and .git/hooks read-only, so there those fail.
  const plants = [
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
  ];
  return plants
    .map((line, n) => `if ${line}; then echo "PLANTED ${n}"; else echo "REFUSED ${n}"; fi`)
    .concat('git config --get core.fsmonitor && git config --get filter.evil.clean || true')
    .join('\n');
}

/** Plants the local backend refuses: those that write .git/config or .git/hooks. */
function refusedOnLocal(script: string): number[] {
  return script.split('\n').flatMap((line) => {
    const m = /^if (.*); then echo "PLANTED (\d+)"/.exec(line);
    return m && /git config|\.git\/hooks/.test(m[1]!) ? [Number(m[2])] : [];
  });
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

    const script = plantScript(marker, secret);
    const r = await corral(
      home,
      ['run', '--backend', backend, '--json', '--', 'sh', '-c', script],
      {
        cwd: repo.dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    // The positive control: every plant took, but those the local backend protects.
    const refused = [...r.stderr.matchAll(/^REFUSED (\d+)$/gm)].map((m) => Number(m[1]));
    const planted = [...r.stderr.matchAll(/^PLANTED (\d+)$/gm)].map((m) => Number(m[1]));
    expect(refused).toEqual(backend === 'local' ? refusedOnLocal(script) : []);
    expect(planted.length + refused.length).toBe(script.split('\n').length - 1);
    if (backend === 'docker') expect(r.stderr).toContain(`touch ${marker}/fsmonitor; false`);
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

describe.each(['docker', 'local'])('git configured to hide the work (%s)', (backend) => {
  it.each(gitPlants.map((p) => [p.name, p] as const))(
    '%s: the branch holds the work',
    async (_name, plant) => {
      const home = await makeHome();
      const repo = await makeRepo(baseFiles);
      const r = await corral(
        home,
        ['run', '--backend', backend, '--json', '--', 'sh', '-c', plantAndWorkScript(plant)],
        { cwd: repo.dir },
      );
      expect(r.code, r.stderr).toBe(0);
      if (backend === 'local' && plant.needsRepoConfig) {
        // The local backend keeps .git/config and .git/hooks read-only: nothing to bite.
        expect(r.stderr).toContain('NOT-PLANTED');
      } else {
        expect(r.stderr).not.toContain('NOT-PLANTED');
        expect(r.stderr).toMatch(/^CONTROL: bites/m);
      }
      const out = r.json<{ status: string; branch: string; summary: { filesChanged: number } }>();
      expect(out.status).toBe('succeeded');
      expectWorkOn(repo, out.branch);
      // "files changed" is what arrived on the branch.
      const changed = repo.git('diff', '--name-only', 'main', out.branch).trim().split('\n');
      expect(changed).toEqual(expect.arrayContaining(['new.txt', 'tool.sh', 'link', 'README.md']));
      expect(out.summary.filesChanged).toBe(changed.length);
    },
  );
});

describe.each(['docker', 'local'])('work that cannot come back (%s)', (backend) => {
  interface Outcome {
    id: string;
    status: string;
    branch: string;
    commit: string | null;
    workspace: string | null;
    message: string | null;
  }

  it('the repository deleted: exit 6, a clear line, the workspace kept with the work', async () => {
    const home = await makeHome();
    const repo = await makeRepo(baseFiles);
    const r = await corral(
      home,
      ['run', '--backend', backend, '--json', '--', 'sh', '-c', 'echo work > new.txt; rm -rf .git'],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(6);
    const out = r.json<Outcome>();
    expect(out.status).not.toBe('succeeded');
    expect(out.message).toMatch(/bring-back failed .*removed or damaged.*the work is kept in/);
    expect(out.workspace).not.toBeNull();
    expect(await readFile(join(out.workspace!, 'new.txt'), 'utf8')).toBe('work\n');
    const human = await corral(home, ['ls']);
    expect(human.stdout).toContain(out.id);
  });

  it('HEAD unreadable: the files arrive on the base, and the run still says it is incomplete (exit 6)', async () => {
    const home = await makeHome();
    const repo = await makeRepo(baseFiles);
    const script = "echo work > new.txt; echo 'ref: refs/heads/gone' > .git/HEAD";
    const r = await corral(
      home,
      ['run', '--backend', backend, '--json', '--', 'sh', '-c', script],
      {
        cwd: repo.dir,
      },
    );
    expect(r.code, r.stderr).toBe(6);
    const out = r.json<Outcome>();
    expect(repo.show(out.branch, 'new.txt')).toBe('work\n');
    expect(out.message).toMatch(/HEAD could not be read/);
    expect(out.workspace).not.toBeNull();
    expect(await readFile(join(out.workspace!, 'new.txt'), 'utf8')).toBe('work\n');
  });
});
