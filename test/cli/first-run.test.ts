/**
 * The first run of a new user, with the built CLI and nothing but defaults: the README's
 * first example in a JavaScript repository whose tests need no network (`npm test` running
 * `node --test`), the same for Python (a venv and `python -m unittest`), both in the default
 * sandbox image on docker with no network. `--image corral-agents` (no tag) runs in the
 * current agents build, and a corral image that is not built names the tags the engine
 * has. A repository with a devcontainer runs a plain command in its own image (with
 * corral's tools added), not only its agents. On a machine without the sandbox image, the
 * first run builds it: a copy of the package whose sandbox Dockerfile differs by a comment
 * has a tag of its own that no engine has (its build is all layer-cache hits).
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findImagesDir,
  getAgentImageTag,
  getDefaultImageTag,
} from '../../src/backends/docker/index.js';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

const imagesDir = findImagesDir();
const readmeExample = ['run', '--', 'sh', '-c', 'echo hi >> README.md && npm test'];

interface Outcome {
  status: string;
  exitCode: number | null;
  backend: string;
  image: string;
  network: string;
  branch: string;
}

describe('the first run', () => {
  it("runs the README's first example in a JavaScript repository", async () => {
    const repo = await makeRepo({
      'README.md': '# add\n',
      'package.json': JSON.stringify({
        name: 'add',
        version: '1.0.0',
        type: 'module',
        scripts: { test: 'node --test' },
      }),
      'add.js': 'export const add = (a, b) => a + b;\n',
      'test/add.test.js': [
        "import { test } from 'node:test';",
        "import assert from 'node:assert/strict';",
        "import { add } from '../add.js';",
        "test('adds', () => assert.equal(add(2, 3), 5));",
        '',
      ].join('\n'),
    });
    const home = await makeHome();
    const r = await corral(home, readmeExample, { cwd: repo.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# pass 1$/m);
    expect(r.stdout).toMatch(/^# fail 0$/m);
    expect(r.stderr).toContain(`on docker (${getDefaultImageTag(imagesDir)})`);
    expect(r.stderr).toContain('no network');
    const branch = /branch (corral\/shell-[0-9a-z]+)/.exec(r.stderr)?.[1];
    expect(repo.show(branch ?? 'none', 'README.md')).toBe('# add\nhi\n');
  });

  it('runs a Python project: a venv and its unittest tests', async () => {
    const repo = await makeRepo({
      '.gitignore': '.venv/\n',
      'calc.py': 'def add(a, b):\n    return a + b\n',
      'test_calc.py': [
        'import unittest',
        'from calc import add',
        '',
        'class AddTest(unittest.TestCase):',
        '    def test_add(self):',
        '        self.assertEqual(add(2, 3), 5)',
        '',
      ].join('\n'),
    });
    const home = await makeHome();
    const r = await corral(
      home,
      [
        'run',
        '--json',
        '--',
        'sh',
        '-c',
        'python3 -m venv .venv && .venv/bin/python -m pip --version && .venv/bin/python -m unittest -v',
      ],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    expect(out).toMatchObject({ status: 'succeeded', backend: 'docker', network: 'none' });
    expect(out.image).toBe(getDefaultImageTag(imagesDir));
    expect(r.stderr).toContain('test_add (test_calc.AddTest.test_add) ... ok');
    expect(r.stderr).toMatch(/^Ran 1 test in/m);
    // The venv was made (pip in it) and stayed out of the branch, as .gitignore says.
    expect(r.stderr).toMatch(/^pip \d+.* from \/workspace\/\.venv\//m);
    expect(repo.show(out.branch, '.venv/pyvenv.cfg')).toBeUndefined();
  });
});

describe('a machine without the sandbox image', () => {
  it('builds it on the first run of a command', async () => {
    const root = resolve(imagesDir, '..');
    const pkg = await mkdtemp(join(tmpdir(), 'corral-package-'));
    await cp(join(root, 'package.json'), join(pkg, 'package.json'));
    await cp(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
    await cp(imagesDir, join(pkg, 'images'), { recursive: true });
    await symlink(join(root, 'node_modules'), join(pkg, 'node_modules'));
    await writeFile(join(pkg, 'images', 'sandbox', 'Dockerfile'), `# ${pkg}\n`, { flag: 'a' });
    const tag = getDefaultImageTag(join(pkg, 'images'));
    expect(tag).not.toBe(getDefaultImageTag(imagesDir));
    try {
      const repo = await makeRepo();
      const r = await corral(
        await makeHome(),
        ['run', '--json', '--', 'sh', '-c', 'node --version > node.txt'],
        { cwd: repo.dir, cliPath: join(pkg, 'dist', 'cli', 'main.js'), timeoutMs: 600_000 },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`building ${tag}`);
      const out = r.json<Outcome>();
      expect(out.image).toBe(tag);
      expect(repo.show(out.branch, 'node.txt')).toMatch(/^v\d+\.\d+\.\d+\n$/);
    } finally {
      // Only the tag this test made (its layers are the real image's); absent if never built.
      spawnSync('docker', ['rmi', tag], { stdio: 'ignore' });
      await rm(pkg, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('--image', () => {
  it("runs a bare corral image name in that image's current build", async () => {
    const repo = await makeRepo();
    const r = await corral(
      await makeHome(),
      ['run', '--image', 'corral-agents', '--json', '--', 'sh', '-c', 'command -v claude'],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<Outcome>().image).toBe(getAgentImageTag(imagesDir));
  });

  it('names the tags the engine has when the one given is not built', async () => {
    const repo = await makeRepo();
    const r = await corral(
      await makeHome(),
      ['run', '--image', 'corral-sandbox:000000000000', '--', 'true'],
      { cwd: repo.dir },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('Image corral-sandbox:000000000000 is not built.');
    expect(r.stderr).toContain(getDefaultImageTag(imagesDir));
  });
});

describe('a repository with a devcontainer', () => {
  it('runs a command in its image, with what corral needs added', async () => {
    const repo = await makeRepo({
      '.devcontainer/devcontainer.json': '{ "build": { "dockerfile": "Dockerfile" } }\n',
      '.devcontainer/Dockerfile': [
        'FROM debian:bookworm-slim',
        'RUN echo devcontainer-marker > /opt/marker',
        'USER nobody',
        '',
      ].join('\n'),
    });
    const r = await corral(
      await makeHome(),
      ['run', '--json', '--', 'sh', '-c', 'cat /opt/marker > marker.txt'],
      { cwd: repo.dir, timeoutMs: 600_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    expect(out.image).toMatch(/^corral-dev:[0-9a-f]{12}$/);
    expect(repo.show(out.branch, 'marker.txt')).toBe('devcontainer-marker\n');
  }, 600_000);
});
