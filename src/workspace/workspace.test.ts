/**
 * Provisioning and bring-back on real git repositories, without a sandbox: the bring-back
 * script is run with plain `sh` here (the system tests run it inside real sandboxes).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeLooseRepo, makeRepo } from '../../test/helpers/git-repo.js';
import { CorralError } from '../lib/errors.js';
import { importBringBack, loadBringBackReport, parseBringBackOutput } from './bring-back.js';
import { bringBackCommand, withBringBack } from './bring-back-script.js';
import { provisionWorkspace } from './provision.js';
import { getBaseTip, snapshotBase } from './snapshot.js';
import { loadSourceRepo, resolveCommit } from './source-repo.js';

async function provision(repoDir: string, from?: string, baseHistoryOnly?: boolean) {
  const repo = await loadSourceRepo(repoDir);
  const base = await snapshotBase(repo, { from });
  const workspaceDir = join(await mkdtemp(join(tmpdir(), 'corral-ws-')), 'workspace');
  const id = 'shell-test1';
  await provisionWorkspace({
    sourceRoot: repo.root,
    id,
    base,
    branch: `corral/${id}`,
    workspaceDir,
    baseHistoryOnly,
  });
  return { repo, base, workspaceDir, id };
}

function bringBack(workspaceDir: string, id: string, baseTip: string) {
  const bundle = join(workspaceDir, '.git', 'corral-bring-back.bundle');
  const cmd = bringBackCommand({ id, agent: 'shell', baseTip, gitDir: join(workspaceDir, '.git') });
  const stdout = execFileSync(cmd.argv[0]!, cmd.argv.slice(1), {
    cwd: workspaceDir,
    env: { ...process.env, ...cmd.env },
    encoding: 'utf8',
  });
  return { report: parseBringBackOutput(stdout), bundle };
}

describe('source repository checks', () => {
  it('refuses a directory that is not a git repository', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-plain-'));
    await expect(loadSourceRepo(dir)).rejects.toMatchObject({ code: 'NOT_A_GIT_REPO' });
  });
  it('refuses a repository with no commits', async () => {
    const repo = await makeRepo({ 'a.txt': 'a' }, { commit: false });
    await expect(loadSourceRepo(repo.dir)).rejects.toMatchObject({ code: 'NO_COMMITS' });
  });
  it('refuses a ref that does not exist', async () => {
    const repo = await makeRepo();
    const err = await resolveCommit(repo.dir, 'no-such-branch').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorralError);
    expect((err as CorralError).code).toBe('BAD_REF');
  });
});

describe('provisioning', () => {
  it('snapshots uncommitted and untracked files without touching the index', async () => {
    const repo = await makeRepo({ 'a.txt': 'one\n', '.gitignore': 'ignored.txt\n' });
    await repo.write('a.txt', 'two\n');
    await repo.write('new.txt', 'untracked\n');
    await repo.write('ignored.txt', 'secret\n');
    const statusBefore = repo.git('status', '--porcelain');
    const { base, workspaceDir } = await provision(repo.dir);
    expect(base.snapshot).not.toBeNull();
    expect(await readFile(join(workspaceDir, 'a.txt'), 'utf8')).toBe('two\n');
    expect(await readFile(join(workspaceDir, 'new.txt'), 'utf8')).toBe('untracked\n');
    await expect(access(join(workspaceDir, 'ignored.txt'))).rejects.toThrow();
    expect(repo.git('status', '--porcelain')).toBe(statusBefore);
    expect(repo.git('rev-parse', 'refs/corral/bases/shell-test1').trim()).toBe(base.snapshot);
  });

  it('records no snapshot for a clean tree, and honours --from', async () => {
    const repo = await makeRepo({ 'a.txt': 'one\n' });
    const first = repo.git('rev-parse', 'HEAD').trim();
    await repo.write('a.txt', 'two\n');
    repo.git('commit', '-qam', 'second');
    const clean = await provision(repo.dir);
    expect(clean.base.snapshot).toBeNull();
    const from = await provision(repo.dir, 'HEAD~1');
    expect(from.base).toMatchObject({ commit: first, snapshot: null, ref: 'HEAD~1' });
    expect(await readFile(join(from.workspaceDir, 'a.txt'), 'utf8')).toBe('one\n');
  });

  it('copies ignored files listed in .corralinclude, and no symlinks', async () => {
    const repo = await makeRepo({
      '.gitignore': '.env\nlink.env\n',
      '.corralinclude': '.env\nlink.env\n',
    });
    await repo.write('.env', 'TOKEN=abc\n');
    execFileSync('ln', ['-s', '/etc/hostname', join(repo.dir, 'link.env')]);
    const { workspaceDir } = await provision(repo.dir);
    expect(await readFile(join(workspaceDir, '.env'), 'utf8')).toBe('TOKEN=abc\n');
    await expect(access(join(workspaceDir, 'link.env'))).rejects.toThrow();
  });

  it('does not share object files with the source repository', async () => {
    const repo = await makeRepo({ 'a.txt': 'a\n' });
    const { workspaceDir } = await provision(repo.dir);
    const shared = execFileSync(
      'sh',
      ['-c', `find "${workspaceDir}/.git/objects" -type f -links +1 | wc -l`],
      { encoding: 'utf8' },
    );
    expect(shared.trim()).toBe('0');
  });
});

it("with the base's history only, holds no other branch, ref or object of the source", async () => {
  const repo = await makeRepo({ 'a.txt': 'a\n' });
  repo.git('checkout', '-qb', 'rival');
  await repo.write('rival.txt', 'the rival contestant wrote this\n');
  repo.git('add', 'rival.txt');
  repo.git('commit', '-qm', 'rival work');
  repo.git('tag', 'rival-tag');
  repo.git('update-ref', 'refs/corral/bases/other', 'HEAD');
  repo.git('checkout', '-q', '-');
  await repo.write('a.txt', 'dirty\n');
  const rivalBlob = repo.git('rev-parse', 'rival:rival.txt').trim();
  const holds = (workspaceDir: string) => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', workspaceDir, ...args], { encoding: 'utf8' });
    const objects = git('cat-file', '--batch-all-objects', '--batch-check=%(objectname)');
    return {
      rival: objects.includes(rivalBlob),
      refs: git('for-each-ref', '--format=%(refname)').trim().split('\n'),
      remotes: git('remote').trim(),
      head: git('rev-parse', 'HEAD').trim(),
      a: git('show', 'HEAD:a.txt'),
    };
  };
  // Control: a whole clone carries the rival's objects (what an agent could read).
  expect(holds((await provision(repo.dir)).workspaceDir).rival).toBe(true);
  const only = await provision(repo.dir, undefined, true);
  const seen = holds(only.workspaceDir);
  expect(seen.rival).toBe(false);
  expect(seen.refs.sort()).toEqual(['refs/corral/base', 'refs/heads/corral/shell-test1']);
  expect(seen.remotes).toBe('');
  expect(seen.head).toBe(getBaseTip(only.base));
  expect(seen.a).toBe('dirty\n');
});

it('copies a repository of many loose objects as one pack that stands alone', async () => {
  // Past the threshold (256 loose objects) the clone makes a new pack, without delta search.
  const repo = await makeLooseRepo();
  const loose = /^count: (\d+)$/m.exec(repo.git('count-objects', '-v'))?.[1];
  expect(Number(loose)).toBeGreaterThan(256);
  const { workspaceDir, base } = await provision(repo.dir);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', workspaceDir, ...args], { encoding: 'utf8' });
  expect(git('count-objects', '-v')).toMatch(/^count: 0$/m);
  expect(await readFile(join(workspaceDir, 'src', 'f299.txt'), 'utf8')).toBe('file 299\n');
  expect(git('rev-parse', 'HEAD').trim()).toBe(getBaseTip(base));
  // Nothing borrowed: with the source gone, every object is still there.
  execFileSync('rm', ['-rf', repo.dir]);
  expect(() => git('fsck', '--full', '--no-dangling')).not.toThrow();
  expect(git('status', '--porcelain')).toBe('');
});

describe('bring-back', () => {
  it('commits leftovers with the corral author and trailer and fetches the branch', async () => {
    const repo = await makeRepo({ 'a.txt': 'a\n' });
    await repo.write('dirty.txt', 'dirty\n');
    const { base, workspaceDir, id } = await provision(repo.dir);
    await writeFile(join(workspaceDir, 'result.txt'), 'done\n');
    const { report } = bringBack(workspaceDir, id, getBaseTip(base));
    expect(report.committedLeftovers).toBe(true);
    const scratch = join(await mkdtemp(join(tmpdir(), 'corral-scratch-')), 'b.bundle');
    const tip = await importBringBack({
      sourceRoot: repo.dir,
      branch: `corral/${id}`,
      baseTip: getBaseTip(base),
      report,
      workspace: workspaceDir,
      scratchPath: scratch,
    });
    expect(tip).toBe(report.tip);
    expect(repo.show(`corral/${id}`, 'result.txt')).toBe('done\n');
    expect(repo.show(`corral/${id}`, 'dirty.txt')).toBe('dirty\n');
    expect(
      repo
        .git('log', '-1', '--format=%an|%(trailers:key=Corral-Instance,valueonly)', `corral/${id}`)
        .trim(),
    ).toBe(`corral (shell)|${id}`);
  });

  it('makes the branch at the base when nothing changed', async () => {
    const repo = await makeRepo();
    const { base, workspaceDir, id } = await provision(repo.dir);
    const { report } = bringBack(workspaceDir, id, getBaseTip(base));
    expect(report.tip).toBe(getBaseTip(base));
    const scratch = join(await mkdtemp(join(tmpdir(), 'corral-scratch-')), 'b.bundle');
    await importBringBack({
      sourceRoot: repo.dir,
      branch: `corral/${id}`,
      baseTip: getBaseTip(base),
      report,
      workspace: workspaceDir,
      scratchPath: scratch,
    });
    expect(repo.git('rev-parse', `corral/${id}`).trim()).toBe(getBaseTip(base));
  });

  it('refuses a bundle path that is a symlink', async () => {
    const repo = await makeRepo();
    const { base, workspaceDir, id } = await provision(repo.dir);
    await writeFile(join(workspaceDir, 'x.txt'), 'x\n');
    const { report, bundle } = bringBack(workspaceDir, id, getBaseTip(base));
    execFileSync('sh', [
      '-c',
      `mv "${bundle}" "${bundle}.real" && ln -s "${bundle}.real" "${bundle}"`,
    ]);
    const scratch = join(await mkdtemp(join(tmpdir(), 'corral-scratch-')), 'b.bundle');
    await expect(
      importBringBack({
        sourceRoot: repo.dir,
        branch: `corral/${id}`,
        baseTip: getBaseTip(base),
        report,
        workspace: workspaceDir,
        scratchPath: scratch,
      }),
    ).rejects.toMatchObject({ code: 'BRING_BACK_FAILED' });
  });

  it('runs right after the command in the same process, passing its exit code through', async () => {
    const repo = await makeRepo();
    const { base, workspaceDir, id } = await provision(repo.dir);
    const wrapped = withBringBack(['sh', '-c', 'echo "$1" > arg.txt; exit 5', 'sh', 'two words'], {
      id,
      agent: 'shell',
      baseTip: getBaseTip(base),
      gitDir: join(workspaceDir, '.git'),
    });
    const r = spawnSync(wrapped.argv[0]!, wrapped.argv.slice(1), {
      cwd: workspaceDir,
      env: { ...process.env, ...wrapped.env },
      encoding: 'utf8',
    });
    expect(r.status).toBe(5);
    const report = await loadBringBackReport(workspaceDir);
    expect(report?.committedLeftovers).toBe(true);
    const scratch = join(await mkdtemp(join(tmpdir(), 'corral-scratch-')), 'b.bundle');
    await importBringBack({
      sourceRoot: repo.dir,
      branch: `corral/${id}`,
      baseTip: getBaseTip(base),
      report: report!,
      workspace: workspaceDir,
      scratchPath: scratch,
    });
    expect(repo.show(`corral/${id}`, 'arg.txt')).toBe('two words\n');
  });

  it('ignores a report reached through a symlinked .git', async () => {
    const repo = await makeRepo();
    const { base, workspaceDir, id } = await provision(repo.dir);
    bringBack(workspaceDir, id, getBaseTip(base));
    expect(await loadBringBackReport(workspaceDir)).toBeDefined();
    execFileSync('sh', [
      '-c',
      `mv "${workspaceDir}/.git" "${workspaceDir}/real-git" && ln -s real-git "${workspaceDir}/.git"`,
    ]);
    expect(await loadBringBackReport(workspaceDir)).toBeUndefined();
  });

  it('refuses a report that is not a commit id', () => {
    expect(() => parseBringBackOutput('tip=$(rm -rf /)\n')).toThrow(CorralError);
  });
});
