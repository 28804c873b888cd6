/**
 * `corral demo`: the main job end to end on a throwaway repository. It makes a small
 * repository (with an uncommitted change, to show the base snapshot), runs one instance
 * on it — docker when an engine answers, else the local backend — that edits a file and
 * runs the repository's test, then shows the branch that came back. Afterwards the
 * repository and the instance are removed, unless `--keep`.
 */
import type { Command } from 'commander';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCorralError } from '../../lib/errors.js';
import { git } from '../../workspace/git.js';
import type { EngineApi } from '../../engine/engine-api.js';
import type { CommandContext } from '../context.js';
import { runInForeground } from '../foreground.js';
import { printLine, progress } from '../output.js';
import {
  addSandboxOptions,
  parseBackend,
  parseLimits,
  type SandboxOptionValues,
} from '../run-options.js';

const demoCommand = [
  'sh',
  '-c',
  [
    'echo "running in $(pwd) as uid $(id -u)"',
    'echo "- a line written by the sandboxed command" >> README.md',
    'printf "export const answer = 42;\\n" > answer.js',
    './test.sh',
  ].join(' && '),
];

async function makeDemoRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-demo-'));
  await git(dir, ['init', '--quiet', '--initial-branch=main']);
  await writeFile(join(dir, 'README.md'), '# corral demo\n\nA throwaway repository.\n');
  await writeFile(
    join(dir, 'test.sh'),
    '#!/bin/sh\nset -e\ntest -f answer.js && grep -q 42 answer.js && echo "test: ok"\n',
  );
  await chmod(join(dir, 'test.sh'), 0o755);
  await git(dir, ['add', '-A']);
  await git(dir, [
    '-c',
    'user.name=corral demo',
    '-c',
    'user.email=demo@localhost',
    'commit',
    '--quiet',
    '-m',
    'initial commit',
  ]);
  // An uncommitted change: the instance starts from it too.
  await writeFile(join(dir, 'NOTES.md'), 'uncommitted notes travel with the instance\n');
  return dir;
}

export function registerDemo(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('demo')
    .description('run one instance on a throwaway repository and show the branch that comes back')
    .option('--keep', 'keep the throwaway repository and the instance, to look at afterwards')
    .option('--json', 'print one JSON object with the outcome');
  addSandboxOptions(cmd).action(
    async (o: SandboxOptionValues & { json?: boolean; keep?: boolean }) => {
      const engine = await ctx.engine();
      const repo = await makeDemoRepo();
      progress(`corral demo: throwaway repository at ${repo}`);
      try {
        process.exitCode = await runDemo(ctx, engine, repo, o);
      } finally {
        if (!o.keep) await removeDemo(engine, repo);
      }
    },
  );
}

/** The repository and the record of the instance made in it go; nothing else is touched. */
async function removeDemo(engine: EngineApi, repo: string): Promise<void> {
  for (const m of await engine.listInstances({ repo })) {
    await engine.removeInstance(m.id, { force: true });
  }
  await rm(repo, { recursive: true, force: true });
  progress(
    'corral demo: the throwaway repository and its instance are removed (--keep keeps them)',
  );
}

async function runDemo(
  ctx: CommandContext,
  engine: EngineApi,
  repo: string,
  o: SandboxOptionValues & { json?: boolean },
): Promise<number> {
  const request = {
    repoDir: repo,
    agent: 'shell',
    command: demoCommand,
    backend: parseBackend(o.backend),
    ...(o.image !== undefined ? { image: o.image } : {}),
    keep: false,
    interactive: false,
    limits: parseLimits(o),
  };
  let metadata;
  try {
    metadata = await engine.createInstance({ request, env: {}, start: false });
  } catch (error) {
    if (!(isCorralError(error) && error.code === 'IMAGE_MISSING' && !o.image)) throw error;
    const { buildImage, findImagesDir, getDefaultImageTag } =
      await import('../../backends/docker/index.js');
    const tag = getDefaultImageTag(findImagesDir());
    progress(`corral demo: building the sandbox image ${tag} first (once)…`);
    await buildImage({ tag, caCertFiles: [], onProgress: (line) => progress(`  ${line}`) });
    metadata = await engine.createInstance({ request, env: {}, start: false });
  }
  progress(`corral demo: ${metadata.id} on ${metadata.backend}, branch ${metadata.branch}`);
  const { metadata: end, exitCode } = await runInForeground(engine, metadata, {
    json: Boolean(o.json),
    interactive: false,
    env: {},
    workspace: ctx.workspaceOf(metadata.id),
  });
  if (!o.json && end.bringBack?.commit) {
    const log = await git(repo, ['log', '--oneline', '--no-decorate', '-3', end.branch]);
    const stat = await git(repo, ['diff', '--stat', `main`, end.branch]);
    printLine(`\nbranch ${end.branch} in ${repo}:`);
    printLine(log.stdout.trimEnd());
    printLine(stat.stdout.trimEnd());
  }
  return exitCode;
}
