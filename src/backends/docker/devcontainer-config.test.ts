import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDevcontainerConfig, parseDevcontainerConfig } from './devcontainer-config.js';

const dir = '/repo/.devcontainer';

describe('parseDevcontainerConfig', () => {
  it('reads an image, with comments and trailing commas', () => {
    const text = `// the environment
{
  /* pinned */ "name": "app",
  "image": "mcr.example/app:1", // the base
  "features": {},
}`;
    expect(parseDevcontainerConfig(text, dir)).toEqual({
      kind: 'image',
      image: 'mcr.example/app:1',
    });
  });

  it('reads a build relative to .devcontainer/, with args and target', () => {
    const text = `{
      "build": { "dockerfile": "Dockerfile", "context": "..", "args": { "V": "1" }, "target": "dev" },
    }`;
    expect(parseDevcontainerConfig(text, dir)).toEqual({
      kind: 'build',
      dockerfile: '/repo/.devcontainer/Dockerfile',
      context: '/repo',
      args: { V: '1' },
      target: 'dev',
    });
  });

  it('defaults the context to .devcontainer/ and prefers build over image', () => {
    const text = '{ "image": "ignored", "build": { "dockerfile": "base.Dockerfile" } }';
    expect(parseDevcontainerConfig(text, dir)).toMatchObject({
      kind: 'build',
      dockerfile: '/repo/.devcontainer/base.Dockerfile',
      context: '/repo/.devcontainer',
      args: {},
      target: undefined,
    });
  });

  it('reads the older top-level dockerFile and context', () => {
    const text = '{ "dockerFile": "../Dockerfile", "context": ".." }';
    expect(parseDevcontainerConfig(text, dir)).toMatchObject({
      kind: 'build',
      dockerfile: '/repo/Dockerfile',
      context: '/repo',
    });
  });

  it('reports compose-based and empty configurations as unsupported', () => {
    expect(parseDevcontainerConfig('{ "dockerComposeFile": "dc.yml" }', dir)).toMatchObject({
      kind: 'unsupported',
      reason: expect.stringContaining('dockerComposeFile') as unknown,
    });
    expect(parseDevcontainerConfig('{ "name": "x" }', dir)).toMatchObject({ kind: 'unsupported' });
  });

  it('names the file and the problem when it is not valid', () => {
    expect(() => parseDevcontainerConfig('{ "image": }', dir)).toThrow(
      /\/repo\/.devcontainer\/devcontainer.json is not a valid devcontainer.json/,
    );
    expect(() => parseDevcontainerConfig('{ "image": 3 }', dir)).toThrow(/image:/);
    expect(() => parseDevcontainerConfig('{ "build": { "args": { "A": 1 } } }', dir)).toThrow(
      /build\.args\.A/,
    );
    expect(() => parseDevcontainerConfig('[]', dir)).toThrow(/the top level/);
  });
});

describe('loadDevcontainerConfig', () => {
  let root: string;
  let repo: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'corral-devcontainer-'));
    repo = join(root, 'repo');
    await mkdir(join(repo, '.devcontainer'), { recursive: true });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const configure = (json: string): Promise<void> =>
    writeFile(join(repo, '.devcontainer', 'devcontainer.json'), json);

  it('is undefined when the repository has no devcontainer', async () => {
    expect(await loadDevcontainerConfig(repo)).toBeUndefined();
    await rm(join(repo, '.devcontainer'), { recursive: true });
    await writeFile(join(repo, '.devcontainer'), 'a file, not a folder');
    expect(await loadDevcontainerConfig(repo)).toBeUndefined();
  });

  it('reads an image', async () => {
    await configure('{ "image": "debian:bookworm-slim" } // done');
    expect(await loadDevcontainerConfig(repo)).toEqual({
      kind: 'image',
      image: 'debian:bookworm-slim',
    });
  });

  it('resolves a build inside the repository', async () => {
    await writeFile(join(repo, '.devcontainer', 'Dockerfile'), 'FROM debian:bookworm-slim\n');
    await configure('{ "build": { "dockerfile": "Dockerfile", "context": ".." } }');
    expect(await loadDevcontainerConfig(repo)).toMatchObject({
      kind: 'build',
      dockerfile: join(repo, '.devcontainer', 'Dockerfile'),
      context: repo,
    });
  });

  it('refuses a Dockerfile or context outside the repository, symlinks included', async () => {
    await writeFile(join(root, 'Dockerfile'), 'FROM debian:bookworm-slim\n');
    await configure('{ "build": { "dockerfile": "../../Dockerfile" } }');
    await expect(loadDevcontainerConfig(repo)).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('is outside the repository') as unknown,
    });
    await writeFile(join(repo, '.devcontainer', 'Dockerfile'), 'FROM debian:bookworm-slim\n');
    await symlink(root, join(repo, 'up'));
    await configure('{ "build": { "dockerfile": "Dockerfile", "context": "../up" } }');
    await expect(loadDevcontainerConfig(repo)).rejects.toThrow(/build context .* is outside/);
  });

  it('says when the Dockerfile is missing', async () => {
    await configure('{ "build": { "dockerfile": "Nope" } }');
    await expect(loadDevcontainerConfig(repo)).rejects.toThrow(
      /its Dockerfile .*Nope does not exist/,
    );
  });
});
