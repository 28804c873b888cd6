/**
 * Reading and keeping `.corral/setup.sh` on real repositories: only a regular file of text,
 * not empty and not too large, is taken from a commit or the tree; the commit a
 * verification starts from is the base plus the script, executable; a kept script never
 * replaces a different one without force and replaces a link rather than writing through it.
 */
import { lstat, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../../../test/helpers/git-repo.js';
import { keepSetupScript } from './keep-setup.js';
import { commitSetupScript } from './setup-commit.js';
import {
  loadCommittedSetupScript,
  loadWorkingSetupScript,
  maxSetupScriptBytes,
} from './setup-script.js';

describe('loadCommittedSetupScript', () => {
  it('reads the script of a branch', async () => {
    const repo = await makeRepo({ '.corral/setup.sh': 'npm ci\n' });
    await expect(loadCommittedSetupScript(repo.dir, 'main')).resolves.toEqual({
      text: 'npm ci\n',
      source: 'main',
    });
  });

  it.each([
    ['missing', { 'README.md': 'x\n' }, /main has no \.corral\/setup\.sh\./],
    ['empty', { '.corral/setup.sh': ' \n' }, /\.corral\/setup\.sh on main is empty\./],
    [
      'too large',
      { '.corral/setup.sh': '#'.repeat(maxSetupScriptBytes + 1) },
      /is 65537 bytes, more than a setup script's 65536\./,
    ],
    ['not text', { '.corral/setup.sh': 'a\0b' }, /on main is not text\./],
    ['a directory', { '.corral/setup.sh/x': 'y' }, /on main is not a regular file\./],
  ])('refuses a script that is %s', async (_name, files, message) => {
    const repo = await makeRepo(files);
    await expect(loadCommittedSetupScript(repo.dir, 'main')).rejects.toMatchObject({
      code: 'SETUP_MISSING',
      message: expect.stringMatching(message) as string,
    });
  });

  it('refuses a link', async () => {
    const repo = await makeRepo({ 'README.md': 'x\n' }, { commit: false });
    await mkdir(join(repo.dir, '.corral'));
    await symlink('/etc/passwd', join(repo.dir, '.corral/setup.sh'));
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'link');
    await expect(loadCommittedSetupScript(repo.dir, 'main')).rejects.toThrow(/not a regular file/);
  });
});

describe('loadWorkingSetupScript', () => {
  it('is null without a script, and refuses a link', async () => {
    const repo = await makeRepo();
    await expect(loadWorkingSetupScript(repo.dir)).resolves.toBeNull();
    await mkdir(join(repo.dir, '.corral'));
    await symlink('/etc/passwd', join(repo.dir, '.corral/setup.sh'));
    await expect(loadWorkingSetupScript(repo.dir)).rejects.toThrow(/is not a regular file\./);
  });
});

describe('commitSetupScript', () => {
  it("is the base's tree with the script added, executable, on top of the base", async () => {
    const repo = await makeRepo({ 'a.txt': 'a\n', '.corral/setup.sh': 'old\n' });
    const base = repo.git('rev-parse', 'HEAD').trim();
    const commit = await commitSetupScript(repo.dir, base, 'new\n');
    expect(repo.git('rev-parse', `${commit}^`).trim()).toBe(base);
    expect(repo.git('ls-tree', '-r', '--name-only', commit).trim().split('\n')).toEqual([
      '.corral/setup.sh',
      'a.txt',
    ]);
    expect(repo.show(commit, '.corral/setup.sh')).toBe('new\n');
    expect(repo.git('ls-tree', commit, '--', '.corral/setup.sh')).toMatch(/^100755 /);
    // The developer's index and tree are untouched.
    expect(repo.git('status', '--porcelain')).toBe('');
  });
});

describe('keepSetupScript', () => {
  const options = { force: false, hint: 'take it from the branch' };

  it('writes a new script, leaves the same one, refuses a different one unless forced', async () => {
    const repo = await makeRepo();
    const path = join(repo.dir, '.corral/setup.sh');
    await expect(keepSetupScript(repo.dir, 'a\n', options)).resolves.toEqual({
      path,
      written: true,
    });
    expect((await lstat(path)).mode & 0o777).toBe(0o755);
    await expect(keepSetupScript(repo.dir, 'a\n', options)).resolves.toEqual({
      path,
      written: false,
    });
    await expect(keepSetupScript(repo.dir, 'b\n', options)).rejects.toMatchObject({
      code: 'SETUP_EXISTS',
      hint: 'take it from the branch',
    });
    expect(await readFile(path, 'utf8')).toBe('a\n');
    await keepSetupScript(repo.dir, 'b\n', { ...options, force: true });
    expect(await readFile(path, 'utf8')).toBe('b\n');
  });

  it('replaces a link with --force, never writing through it', async () => {
    const repo = await makeRepo();
    const target = join(repo.dir, 'target.txt');
    await writeFile(target, 'keep me\n');
    await mkdir(join(repo.dir, '.corral'));
    await symlink(target, join(repo.dir, '.corral/setup.sh'));
    await expect(keepSetupScript(repo.dir, 'a\n', options)).rejects.toMatchObject({
      code: 'SETUP_EXISTS',
    });
    await keepSetupScript(repo.dir, 'a\n', { ...options, force: true });
    expect(await readFile(target, 'utf8')).toBe('keep me\n');
    expect(await readlink(join(repo.dir, '.corral/setup.sh')).catch(() => null)).toBeNull();
  });
});
