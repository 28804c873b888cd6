import { chmod, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getToolDirs } from './tool-dirs.js';

async function executable(path: string): Promise<void> {
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, 0o755);
}

describe('getToolDirs', () => {
  it('reads an npm-installed CLI through its .bin link: the PATH entry and the whole node_modules', async () => {
    const root = await mkdtemp(join(tmpdir(), 'corral-tools-'));
    const pkg = join(root, 'node_modules', '@openai', 'codex', 'bin');
    await mkdir(pkg, { recursive: true });
    await mkdir(join(root, 'node_modules', '.bin'));
    await executable(join(pkg, 'codex.js'));
    await symlink('../@openai/codex/bin/codex.js', join(root, 'node_modules', '.bin', 'codex'));
    const dirs = await getToolDirs(
      ['codex'],
      `/usr/bin:${join(root, 'node_modules', '.bin')}`,
      join(root, 'node', 'bin', 'node'),
    );
    expect(dirs).toEqual(
      [join(root, 'node'), join(root, 'node_modules'), join(root, 'node_modules', '.bin')].sort(),
    );
  });

  it('adds nothing for a tool in a system directory, or not found', async () => {
    expect(await getToolDirs(['sh'], '/usr/bin:/bin', '/usr/bin/node')).toEqual([]);
    expect(await getToolDirs(['no-such-tool-x'], '/usr/bin', '/usr/bin/node')).toEqual([]);
    expect(await getToolDirs(['../sh'], '/usr/bin', '/usr/bin/node')).toEqual([]);
  });

  it('never opens up the home or the state root, nor anything inside the state root', async () => {
    const home = await mkdtemp(join(tmpdir(), 'corral-tools-home-'));
    await executable(join(home, 'agent'));
    await mkdir(join(home, '.local', 'bin'), { recursive: true });
    await executable(join(home, '.local', 'bin', 'other'));
    const state = join(home, '.corral');
    await mkdir(join(state, 'bin'), { recursive: true });
    await executable(join(state, 'bin', 'third'));
    const path = `${home}:${join(home, '.local', 'bin')}:${join(state, 'bin')}`;
    expect(
      await getToolDirs(['agent', 'third'], path, '/usr/bin/node', { home, stateRoot: state }),
    ).toEqual([]);
    expect(await getToolDirs(['other'], path, '/usr/bin/node', { home, stateRoot: state })).toEqual(
      [join(home, '.local', 'bin')],
    );
  });

  it('takes the first on PATH and skips relative PATH entries', async () => {
    const a = await mkdtemp(join(tmpdir(), 'corral-tools-a-'));
    const b = await mkdtemp(join(tmpdir(), 'corral-tools-b-'));
    await executable(join(a, 'agent'));
    await executable(join(b, 'agent'));
    const dirs = await getToolDirs(['agent'], `relative/bin:${a}:${b}`, '/usr/bin/node');
    expect(dirs).toEqual([a]);
  });
});
