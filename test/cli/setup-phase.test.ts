/**
 * `corral run --setup` (a battle's contestants get the same): the setup runs in the sandbox
 * before the command, reaching the hosts it was given (`--setup-allow-host`), which are
 * closed before the command starts: the command's very first attempt at the setup's host is
 * refused while the setup's own attempt went through (the positive control). What the setup
 * left untracked (its dependencies) never reaches the branch; a failing setup ends the run
 * before the command, exit 1, the branch at the base. On docker the host is a container on
 * a network the test made (the gateway's way out, CORRAL_DOCKER_NETWORK); on the local
 * backend a server on this machine's loopback. (The docker case was seen red with the
 * closing step removed; on the local backend the policy watcher, started with the command,
 * also narrows the list, so the local case holds either way.)
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findImagesDir, getDefaultImageTag } from '../../src/backends/docker/index.js';
import { corral, makeHome, readEvents, waitFor, waitForEnd } from '../helpers/cli.js';
import { killEnginesAndWait } from '../helpers/engine.js';
import { makeRepo } from '../helpers/git-repo.js';
import { startHttpResponder, type HttpResponder } from '../helpers/http-responder.js';
import { createTestNetwork } from '../helpers/stand-in-container.js';

interface Outcome {
  id: string;
  status: string;
  exitCode: number | null;
  branch: string;
}

interface SetupEvent {
  type: string;
  command?: string;
  exitCode?: number | null;
  output?: string;
}

/** The setup fetches from `url` into deps/ (untracked) and says whether it got through. */
const setupCommand = (url: string) =>
  `mkdir -p deps && curl -sS -m 5 ${url} > deps/fetched.txt && echo setup-got-through`;

/** The command tries the same host at once, then leaves its work. */
const commandScript = (url: string) =>
  [
    'cat deps/fetched.txt',
    `if curl -sS -m 3 ${url} 2>/dev/null | grep -q 'setup host here'; then echo COMMAND-REACHED; else echo COMMAND-REFUSED; fi`,
    'echo work > work.txt',
  ].join('\n');

async function runWithSetup(
  home: string,
  cwd: string,
  backend: string,
  setup: string,
  hosts: string[],
  script: string,
  env: NodeJS.ProcessEnv = {},
) {
  return corral(
    home,
    [
      'run',
      '--backend',
      backend,
      '--setup',
      setup,
      ...hosts.flatMap((h) => ['--setup-allow-host', h]),
      '--json',
      '--',
      'sh',
      '-c',
      script,
    ],
    { cwd, env, timeoutMs: 180_000 },
  );
}

describe('a setup before the command (docker, fenced)', () => {
  const tag = `${process.pid}-setup`;
  let network: ReturnType<typeof createTestNetwork>;
  let server: HttpResponder;

  beforeAll(() => {
    network = createTestNetwork(`corral-test-${tag}`);
    server = startHttpResponder({
      name: `corral-setup-host-${tag}`,
      network: network.name,
      image: getDefaultImageTag(findImagesDir()),
      text: 'setup host here',
    });
  });

  afterAll(() => {
    server?.remove();
    network?.remove();
  });

  it('reaches its host; the command that follows cannot, and its dependencies stay off the branch', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const url = `http://${server.name}:8080/`;
    const r = await runWithSetup(
      home,
      repo.dir,
      'docker',
      setupCommand(url),
      [`${server.name}:8080`],
      commandScript(url),
      { CORRAL_DOCKER_NETWORK: network.name },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    expect(out.status).toBe('succeeded');
    // The positive control: the setup got through to the host, and the command saw what it fetched.
    expect(r.stderr).toContain('setup host here');
    expect(r.stderr).toContain('COMMAND-REFUSED');
    expect(r.stderr).not.toContain('COMMAND-REACHED');
    const events = await readEvents<SetupEvent>(home, out.id);
    const types = events.map((e) => e.type);
    expect(types.indexOf('setup.started')).toBeLessThan(types.indexOf('setup.ended'));
    expect(types.indexOf('setup.ended')).toBeLessThan(types.indexOf('process.exited'));
    expect(events.find((e) => e.type === 'setup.ended')).toMatchObject({ exitCode: 0 });
    expect(repo.show(out.branch, 'work.txt')).toBe('work\n');
    expect(repo.show(out.branch, 'deps/fetched.txt')).toBeUndefined();
    // The person's policy never held the setup's host.
    const policy = await corral(home, ['policy', out.id, '--json']);
    expect(policy.json<{ allow: string[] }>().allow).toEqual([]);
  }, 240_000);

  it('a failing setup ends the run before the command: exit 1, the branch at the base', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await runWithSetup(
      home,
      repo.dir,
      'docker',
      'echo half-installed > partial.txt; echo "no such package: left-pad" >&2; exit 3',
      [],
      'echo COMMAND-RAN > ran.txt',
    );
    expect(r.code, r.stderr).toBe(1);
    const out = r.json<Outcome & { message: string }>();
    expect(out.status).toBe('failed');
    expect(out.message).toMatch(
      /The setup \(.*\) exited with 3 before the agent started: no such package: left-pad/,
    );
    const base = repo.git('rev-parse', 'HEAD').trim();
    expect(repo.git('rev-parse', out.branch).trim()).toBe(base);
    const events = await readEvents<SetupEvent>(home, out.id);
    expect(events.find((e) => e.type === 'setup.ended')).toMatchObject({ exitCode: 3 });
    expect(events.some((e) => e.type === 'process.exited')).toBe(false);
  }, 240_000);
});

describe('a setup before the command (local)', () => {
  const server = createServer((_req, res) => res.end('setup host here\n'));
  let url = '';
  let host = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    host = `127.0.0.1:${port}`;
    url = `http://${host}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reaches its host; the command that follows cannot, and its dependencies stay off the branch', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await runWithSetup(
      home,
      repo.dir,
      'local',
      setupCommand(url),
      [host],
      commandScript(url),
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    expect(r.stderr).toContain('setup host here');
    expect(r.stderr).toContain('COMMAND-REFUSED');
    expect(r.stderr).not.toContain('COMMAND-REACHED');
    expect(repo.show(out.branch, 'work.txt')).toBe('work\n');
    expect(repo.show(out.branch, 'deps/fetched.txt')).toBeUndefined();
  }, 240_000);

  it('an engine killed (kill -9) mid-setup: the next one starts the run again, setup first, the hosts closed after', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    // The first setup announces itself, then waits long enough to be killed in the middle.
    const setup = `echo attempt >> .git/setup-attempts; [ "$(wc -l < .git/setup-attempts)" -gt 1 ] || sleep 30; ${setupCommand(url)}`;
    const r = await corral(
      home,
      [
        'run',
        '-d',
        '--backend',
        'local',
        '--setup',
        setup,
        '--setup-allow-host',
        host,
        '--',
        'sh',
        '-c',
        commandScript(url),
      ],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    await waitFor('the setup to start', async () =>
      (await readEvents<SetupEvent>(home, id)).some((e) => e.type === 'setup.started')
        ? true
        : undefined,
    );
    expect(await killEnginesAndWait(home)).toHaveLength(1);
    // The next command starts an engine, which takes the run up.
    await corral(home, ['ls']);
    expect(await waitForEnd(home, id, 180_000)).toBe('succeeded');
    const events = await readEvents<SetupEvent>(home, id);
    expect(events.filter((e) => e.type === 'setup.ended')).toEqual([
      expect.objectContaining({ exitCode: 0 }),
    ]);
    const output = await readFile(join(home, 'instances', id, 'output.log'), 'utf8');
    expect(output).toContain('setup host here');
    expect(output).toContain('COMMAND-REFUSED');
    expect(output).not.toContain('COMMAND-REACHED');
    const branch = `corral/${id}`;
    expect(repo.show(branch, 'work.txt')).toBe('work\n');
    expect(repo.show(branch, 'deps/fetched.txt')).toBeUndefined();
  }, 300_000);

  it('refuses --setup-allow-host without --setup (exit 2)', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(
      home,
      ['run', '--backend', 'local', '--setup-allow-host', 'example.test', '--', 'true'],
      { cwd: repo.dir },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--setup-allow-host needs --setup/);
  });
});
