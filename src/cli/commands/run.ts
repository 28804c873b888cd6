/**
 * `corral run [options] -- <command…>`: one command in a sandbox on its own copy of the
 * repository; its work comes back as branch `corral/<id>`.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { agentRequestEnv } from '../agent-env.js';
import { pickSetupEnv } from '../../orchestrator/run/setup-env.js';
import { allowPresetNames } from '../../orchestrator/allow-presets.js';
import type { CommandContext } from '../context.js';
import { describeEgress } from '../egress-text.js';
import { runInForeground } from '../foreground.js';
import { addModelOptions, parseModelOptions, type ModelOptionValues } from '../model-options.js';
import { printJson, printLine, progress, usage } from '../output.js';
import {
  addSandboxOptions,
  attachHint,
  checkTerminalSession,
  collect,
  parseBackend,
  parseLimits,
  parseTimeout,
  type SandboxOptionValues,
} from '../run-options.js';
import {
  addUnsafeOptions,
  parseUnsafeOptions,
  warnRelaxations,
  type UnsafeOptionValues,
} from '../unsafe-options.js';

interface RunOptions extends SandboxOptionValues, UnsafeOptionValues, ModelOptionValues {
  agent: string;
  prompt?: string;
  context: string[];
  allowHost: string[];
  allow: string[];
  setup?: string;
  setupAllowHost: string[];
  setupEnv: string[];
  from?: string;
  name?: string;
  keep?: boolean;
  timeout?: string;
  interactive?: boolean;
  detach?: boolean;
  repo?: string;
  json?: boolean;
}

export function registerRun(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('run')
    .description(
      'run a command in a sandbox on a copy of this repository; the work comes back as branch corral/<id>',
    )
    .argument(
      '[command...]',
      'the command to run (shell agent), or extra arguments for the agent CLI, after --',
    )
    .option(
      '-a, --agent <name>',
      'what runs: shell (the command after --), claude, codex, gemini, fake',
      'shell',
    )
    .option('-p, --prompt <task>', "the agent's task, for a headless run")
    .option(
      '--allow-host <host>',
      'a host the sandbox may reach (repeatable): a command gets a way out, through the gateway on docker; change it live with corral allow/deny',
      collect,
      [],
    )
    .option(
      '--allow <preset>',
      `the hosts of a package registry (repeatable): ${allowPresetNames.join(', ')} (the README lists each one's hosts)`,
      collect,
      [],
    )
    .option(
      '--setup <command>',
      'prepare the sandbox before the command or agent starts (sh -c, in the workspace, on every start); a failing setup ends the run, exit 1',
    )
    .option(
      '--setup-allow-host <host>',
      'a host the setup alone may reach (repeatable), e.g. registry.npmjs.org; closed before the agent starts',
      collect,
      [],
    )
    .option(
      '--setup-env <name>',
      "a variable of this environment the setup alone gets, e.g. NPM_TOKEN (repeatable): never the agent's, its value never recorded, redacted from what the run writes (README: Setup secrets)",
      collect,
      [],
    )
    .option(
      '--context <file>',
      'a file placed where the agent reads its instructions (repeatable; never committed)',
      collect,
      [],
    )
    .option(
      '--from <ref>',
      'start from this commit/branch, clean (default: HEAD plus your uncommitted changes)',
    )
    .option('--name <name>', 'a name for the instance (usable instead of its id)')
    .option(
      '--keep',
      "keep the workspace after the end, to resume it later (a fenced instance's Compose project is stopped, not removed, until corral rm)",
    )
    .option(
      '--timeout <duration>',
      'stop the command after this long and mark it timed-out (e.g. 30m)',
    )
    .option(
      '-i, --interactive',
      'give the command a real terminal (raw mode, resize, Ctrl-C goes to it); with -d, one to attach to later (corral attach, the dashboard)',
    )
    .option('-d, --detach', 'return at once with the instance id; follow with corral logs -f')
    .option('--repo <dir>', 'the source repository (default: the current directory)')
    .option('--json', 'print one JSON object with the outcome (command output goes to stderr)')
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Examples:
  corral run -- sh -c 'echo hi >> README.md && npm test'
  corral run --allow npm -- npm install
  corral run --setup 'npm ci' --setup-allow-host registry.npmjs.org --agent claude -p "fix the bug"
  corral run --setup 'npm ci' --setup-env NPM_TOKEN --setup-allow-host registry.npmjs.org -- npm test
  corral run --backend local --timeout 10m -- make test
  corral run -d --name fix-1 -- ./scripts/fix.sh
  corral run -i -- bash
  corral run -i -d -- bash            (then: corral attach <id>, or corral serve's page)
  corral run --agent claude -p "fix the failing test in src/add.ts"
  corral run --agent codex -p "add input validation" --context ROLE.md --detach
  corral run --agent claude -i
  corral run --unsafe-mount /srv/cache:/cache:ro -- make build
  corral run --agent claude --model claude-sonnet-4-5 --budget-tokens 2m -p "fix the bug"
  corral run --agent codex --budget-usd 5 --rpm 30 -p "add tests"

The model gateway lets the agent make only the calls its CLI needs with the key (see
corral policy <id>); --allow-model-api adds one. Past --budget-tokens or --budget-usd the
gateway refuses further calls and the instance ends budget-exceeded, its work brought back.

The command's stdin is empty (end of file): it runs under the engine, not this terminal.
Use -i for a terminal session.

Exit code: the command's own; 1 its --setup failed; 124 timed out, 9 budget exceeded, 130 canceled, 127 command
not found in the sandbox, 6 the work could not be brought back (kept in the workspace),
2-5 bad input.`,
    );
  addUnsafeOptions(addModelOptions(addSandboxOptions(cmd))).action(
    async (command: string[], o: RunOptions) => {
      checkTerminalSession(o);
      if (o.setupAllowHost.length && o.setup === undefined)
        throw usage('--setup-allow-host needs --setup.', "Add --setup '<command>', or drop it.");
      if (o.setupEnv.length && o.setup === undefined)
        throw usage('--setup-env needs --setup.', "Add --setup '<command>', or drop it.");
      // Checked before anything starts: a missing one is a one-line error (exit 5).
      const setupEnv = pickSetupEnv(o.setupEnv, process.env);
      const unsafe = parseUnsafeOptions(o);
      const modelPolicy = parseModelOptions(o);
      const timeoutMs = parseTimeout(o.timeout);
      // A terminal session in the foreground is this command's terminal: its engine runs
      // inside it. Detached, the engine hosts its terminal for whoever attaches.
      const engine = await ctx.engine({ inline: Boolean(o.interactive) && !o.detach });
      const env = { ...(await agentRequestEnv([o.agent])), ...setupEnv };
      const metadata = await engine.createInstance({
        request: {
          repoDir: resolve(o.repo ?? process.cwd()),
          agent: o.agent,
          command,
          backend: parseBackend(o.backend),
          keep: Boolean(o.keep),
          interactive: Boolean(o.interactive),
          limits: parseLimits(o),
          ...(o.from !== undefined ? { from: o.from } : {}),
          ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
          ...(o.context.length ? { contextFiles: o.context.map((f) => resolve(f)) } : {}),
          ...(o.allowHost.length ? { allowHosts: o.allowHost } : {}),
          ...(o.allow.length ? { allowPresets: o.allow } : {}),
          ...(o.setup !== undefined
            ? {
                setup: {
                  command: o.setup,
                  allowHosts: o.setupAllowHost,
                  ...(o.setupEnv.length ? { env: o.setupEnv } : {}),
                },
              }
            : {}),
          ...(o.image !== undefined ? { image: o.image } : {}),
          ...(o.name !== undefined ? { name: o.name } : {}),
          ...(timeoutMs ? { timeoutMs } : {}),
          ...unsafe,
          modelPolicy,
        },
        env,
        start: Boolean(o.detach),
      });
      warnRelaxations(metadata);
      const image = metadata.image ? ` (${metadata.image})` : '';
      const egress = describeEgress(metadata);
      progress(
        `corral: ${metadata.id} on ${metadata.backend}${image}, branch ${metadata.branch}, ${egress}`,
      );
      if (o.detach) {
        if (o.json)
          printJson({
            id: metadata.id,
            status: 'running',
            branch: metadata.branch,
            backend: metadata.backend,
          });
        else printLine(metadata.id);
        if (o.interactive && !o.json) progress(attachHint(metadata.id));
        return;
      }
      const { exitCode } = await runInForeground(engine, metadata, {
        json: Boolean(o.json),
        interactive: Boolean(o.interactive),
        env,
        workspace: ctx.workspaceOf(metadata.id),
      });
      process.exitCode = exitCode;
    },
  );
}
