/**
 * The Compose v2 path, checked where v2 cannot run (Debian 12 ships only v1, and no
 * registry that has v2 is reachable, so its system tests in test/backends/compose.test.ts
 * skip here): the exact command lines corral runs, held against the flags each Compose
 * documents (v1 1.29's `--help`; v2's reference and its source at each tag, since flags
 * arrived over time); the version line each prints, read by detection; project names that
 * v2 takes as they are (it refuses others, v1 rewrites them); and the labels corral finds
 * containers by, which do not depend on either one's container names.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentNames } from '../../../agents/agent.js';
import { isValidInstanceId, newInstanceId } from '../../../lib/id.js';
import { labelKeys } from '../../labels.js';
import { detectComposeCli, type ComposeCli } from './compose-cli.js';
import { getComposeArgv, type ComposeAction } from './compose-commands.js';
import { renderComposeSpec } from './render-compose-spec.js';

/**
 * Documented flags, by Compose and the version that brought them (`=` marks a flag that
 * takes a value). v1: `docker-compose <command> --help` of 1.29.2. v2: cmd/compose/*.go
 * at v2.0.0, and `up --pull` from v2.8.0 on (cmd/compose/up.go, "Pull image before
 * running ("always"|"missing"|"never")").
 */
const documented = {
  1: {
    global: ['-p=', '--project-name=', '-f=', '--file=', '--project-directory='],
    up: ['-d', '--detach', '--no-build', '--build', '--remove-orphans', '-t=', '--timeout='],
    logs: ['--no-color', '-f', '--follow', '-t', '--timestamps', '--tail='],
    stop: ['-t=', '--timeout='],
    down: ['-v', '--volumes', '--remove-orphans', '--rmi=', '-t=', '--timeout='],
  },
  2: {
    global: ['-p=', '--project-name=', '-f=', '--file=', '--project-directory='],
    up: ['-d', '--detach', '--no-build', '--build', '--remove-orphans', '-t=', '--timeout='],
    logs: ['--no-color', '-f', '--follow', '-t', '--timestamps', '--tail='],
    stop: ['-t=', '--timeout='],
    down: ['-v', '--volumes', '--remove-orphans', '--rmi=', '-t=', '--timeout='],
  },
} as const;
const upPullSince = [2, 8];
const pullPolicies = ['always', 'missing', 'never'];

function versionAtLeast(version: string, [major, minor]: number[]): boolean {
  const [a = 0, b = 0] = /^(\d+)\.(\d+)/.exec(version)?.slice(1).map(Number) ?? [];
  return a > major! || (a === major && b >= minor!);
}

/** The flags in `argv` (after the CLI's own prefix) that this Compose does not document. */
function undocumentedFlags(cli: ComposeCli, argv: string[]): string[] {
  const known = documented[cli.generation];
  const bad: string[] = [];
  let i = cli.argv.length;
  const take = (flags: readonly string[]) => {
    while (argv[i]?.startsWith('-')) {
      const flag = argv[i]!;
      if (flags.includes(`${flag}=`)) i += 2;
      else if (flags.includes(flag)) i += 1;
      else {
        bad.push(flag);
        i += 1;
      }
    }
  };
  take(known.global);
  const action = argv[i++] as ComposeAction;
  const flags: string[] = [...known[action]];
  if (action === 'up' && cli.generation === 2 && versionAtLeast(cli.version, upPullSince)) {
    flags.push('--pull=');
    const at = argv.indexOf('--pull');
    if (at >= 0 && !pullPolicies.includes(argv[at + 1] ?? '')) bad.push(`--pull ${argv[at + 1]}`);
  }
  take(flags);
  if (i < argv.length) bad.push(...argv.slice(i));
  return bad;
}

const target = { name: 'claude-k3x9q', file: '/state/compose.yml', dir: '/state' };
const actions: ComposeAction[] = ['up', 'stop'];

const clis: Array<[string, ComposeCli]> = [
  ['v1 1.29.2 (Debian 12)', { argv: ['docker-compose'], version: '1.29.2', generation: 1 }],
  ['v2 2.0.0', { argv: ['docker', 'compose'], version: '2.0.0', generation: 2 }],
  ['v2 2.7.1', { argv: ['docker', 'compose'], version: '2.7.1', generation: 2 }],
  ['v2 2.8.0', { argv: ['docker', 'compose'], version: '2.8.0', generation: 2 }],
  [
    'v2 2.20.2 (Ubuntu 22.04)',
    { argv: ['docker', 'compose'], version: '2.20.2+ds1-0ubuntu1~22.04.1', generation: 2 },
  ],
  ['v2 2.24.5 standalone', { argv: ['docker-compose'], version: '2.24.5', generation: 2 }],
  ['v5 5.5.0', { argv: ['docker', 'compose'], version: '5.5.0', generation: 2 }],
];

describe('Compose command lines', () => {
  it.each(clis)('%s: every flag of up and stop is one it documents', (_, cli) => {
    for (const action of actions) {
      const argv = getComposeArgv(cli, target, action);
      expect(argv.slice(0, cli.argv.length)).toEqual(cli.argv);
      expect(undocumentedFlags(cli, argv), argv.join(' ')).toEqual([]);
    }
  });

  it('v2 (2.8 and later): up never pulls, the project named, filed and rooted in the state dir', () => {
    const cli: ComposeCli = { argv: ['docker', 'compose'], version: '2.24.5', generation: 2 };
    const prefix = [
      'docker',
      'compose',
      '--project-name',
      'claude-k3x9q',
      '--file',
      '/state/compose.yml',
      '--project-directory',
      '/state',
    ];
    expect(getComposeArgv(cli, target, 'up')).toEqual([
      ...prefix,
      'up',
      '-d',
      '--no-build',
      '--pull',
      'never',
    ]);
    expect(getComposeArgv(cli, target, 'stop')).toEqual([...prefix, 'stop', '--timeout', '3']);
  });

  it('v1 and v2 before 2.8: up without --pull, which they do not have', () => {
    for (const [version, generation] of [
      ['1.29.2', 1],
      ['2.7.1', 2],
    ] as const) {
      const argv = getComposeArgv({ argv: ['x'], version, generation }, target, 'up');
      expect(argv.slice(-3)).toEqual(['up', '-d', '--no-build']);
    }
  });
});

describe('detecting the Compose CLI from what it prints', () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  /** A PATH holding only these stand-ins for `docker` and `docker-compose`. */
  async function onPath(tools: { docker?: string; dockerCompose?: string }): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'corral-compose-cli-'));
    const script = (body: string) => `#!/bin/sh\n${body}\n`;
    if (tools.docker !== undefined) {
      await writeFile(join(dir, 'docker'), script(tools.docker));
      await chmod(join(dir, 'docker'), 0o755);
    }
    if (tools.dockerCompose !== undefined) {
      await writeFile(join(dir, 'docker-compose'), script(tools.dockerCompose));
      await chmod(join(dir, 'docker-compose'), 0o755);
    }
    process.env.PATH = dir;
  }

  // `docker compose version --short`: "v2.x.y" from v2.0 (internal.Version as built),
  // "2.x.y" once the v is trimmed, a distribution's own suffix, and v5.
  const v2Prints = [
    ['v2.0.0', '2.0.0'],
    ['2.24.5', '2.24.5'],
    ['2.20.2+ds1-0ubuntu1~22.04.1', '2.20.2+ds1-0ubuntu1~22.04.1'],
    ['5.5.0', '5.5.0'],
  ];
  it.each(v2Prints)(
    'the plugin printing %s is v2 %s, chosen before docker-compose',
    async (printed, version) => {
      await onPath({
        docker: `[ "$1 $2 $3" = "compose version --short" ] && echo '${printed}' && exit 0; exit 1`,
        dockerCompose: `echo 1.29.2`,
      });
      expect(await detectComposeCli()).toEqual({
        argv: ['docker', 'compose'],
        version,
        generation: 2,
      });
    },
  );

  it('without the plugin, docker-compose 1.29 is v1, and a standalone v2 under that name is v2', async () => {
    const noPlugin = `echo "docker: 'compose' is not a docker command." >&2; exit 1`;
    await onPath({ docker: noPlugin, dockerCompose: `echo 1.29.2` });
    expect(await detectComposeCli()).toEqual({
      argv: ['docker-compose'],
      version: '1.29.2',
      generation: 1,
    });
    await onPath({ docker: noPlugin, dockerCompose: `echo 2.24.5` });
    expect(await detectComposeCli()).toMatchObject({ argv: ['docker-compose'], generation: 2 });
  });

  it('a docker that answers with something else than a version is not taken for Compose', async () => {
    await onPath({
      docker: `echo 'Usage: docker [OPTIONS] COMMAND'`,
      dockerCompose: `echo 1.29.2`,
    });
    expect(await detectComposeCli()).toMatchObject({ argv: ['docker-compose'], generation: 1 });
  });
});

describe('project names and labels', () => {
  // "Project names must contain only lowercase letters, decimal digits, dashes, and
  // underscores, and must begin with a lowercase letter or decimal digit" (v2 refuses
  // others since 2.5.1; v1 lowercases and strips them, so its label would not be the id).
  const v2ProjectName = /^[a-z0-9][a-z0-9_-]*$/;

  it('every instance id corral makes is a project name v2 takes as it is', () => {
    for (const agent of agentNames) {
      for (let i = 0; i < 200; i++) expect(newInstanceId(agent)).toMatch(v2ProjectName);
    }
    for (const id of ['Claude-k3x9q', 'a.b', '_x', '-x', 'x y', '']) {
      expect(isValidInstanceId(id), id).toBe(false);
    }
  });

  it("labels each container with its service, so lookups never depend on v1's or v2's names", () => {
    const spec = renderComposeSpec({
      instanceId: 'claude-k3x9q',
      image: 'corral-sandbox:test',
      workspaceDir: '/state/workspace',
      user: { uid: 1000, gid: 1000 },
      env: {},
      limits: { memoryBytes: 256 * 1024 ** 2, cpus: 1, pids: 128 },
      labels: { [labelKeys.instance]: 'claude-k3x9q' },
      gateway: {
        image: 'corral-gateway:test',
        command: ['node', 'gateway/main.js'],
        configFile: '/state/gateway.json',
        policyDir: '/state/policy',
        secretEnvNames: [],
        proxyPort: 3128,
        apiPort: 8080,
        modelEndpoints: {},
        limits: { memoryBytes: 64 * 1024 ** 2, cpus: 0.5, pids: 32 },
      },
    });
    const services = Object.entries(spec.services);
    expect(services.map(([name]) => name).sort()).toEqual(['agent', 'gateway']);
    for (const [name, service] of services) {
      expect(service.labels).toMatchObject({
        [labelKeys.service]: name,
        [labelKeys.instance]: 'claude-k3x9q',
      });
      expect(service).not.toHaveProperty('container_name');
    }
  });
});
