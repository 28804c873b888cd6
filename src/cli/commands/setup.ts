/**
 * `corral setup --discover | --check`: an agent writes the repository's `.corral/setup.sh`,
 * kept in the tree only once it passed in a fresh sandbox from the base; or the tree's own
 * script is put to that test. The flows are orchestrator/setup's; this file parses the
 * options and prints the result.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { allowPresetNames, expandAllowPresets } from '../../orchestrator/allow-presets.js';
import {
  checkSetup,
  discoverSetup,
  makeSetupPrompt,
  setupScriptCommand,
} from '../../orchestrator/setup/index.js';
import type { CommandContext } from '../context.js';
import { addModelOptions, parseModelOptions, type ModelOptionValues } from '../model-options.js';
import { progress, usage } from '../output.js';
import {
  addSandboxOptions,
  collect,
  parseBackend,
  parseDuration,
  parseLimits,
  type SandboxOptionValues,
} from '../run-options.js';
import { engineSetupInstances } from '../setup-instances.js';
import { printChecked, printDiscovered } from '../setup-output.js';

interface SetupOptions extends SandboxOptionValues, ModelOptionValues {
  discover?: boolean;
  check?: boolean;
  showPrompt?: boolean;
  agent?: string;
  prompt?: string;
  promptFile?: string;
  allowHost: string[];
  allow: string[];
  timeout: string;
  force?: boolean;
  repo?: string;
  json?: boolean;
}

export function registerSetup(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('setup')
    .description(
      'let an agent write .corral/setup.sh and keep it only if it works in a fresh sandbox (--discover), or test the one you have (--check)',
    )
    .option('--discover', 'an agent writes .corral/setup.sh; kept in your tree once verified')
    .option('--check', "verify your tree's .corral/setup.sh in a fresh sandbox")
    .option('--show-prompt', 'print the built-in task --discover gives the agent, and exit')
    .option(
      '-a, --agent <name>',
      'the agent that writes the script (--discover): claude, codex, gemini, fake',
    )
    .option('-p, --prompt <text>', 'more instructions, added to the built-in task (--discover)')
    .option(
      '--prompt-file <file>',
      "the agent's whole task from this file, instead of the built-in one (--discover; see --show-prompt)",
    )
    .option(
      '--allow-host <host>',
      'a host the agent and the verification may reach (repeatable), e.g. registry.npmjs.org',
      collect,
      [],
    )
    .option(
      '--allow <preset>',
      `the hosts of a package registry (repeatable): ${allowPresetNames.join(', ')}`,
      collect,
      [],
    )
    .option(
      '--timeout <duration>',
      'stop the agent, and the verification, after this long each',
      '20m',
    )
    .option('--force', 'replace a different .corral/setup.sh in your tree (--discover)')
    .option('--repo <dir>', 'the source repository (default: the current directory)')
    .option('--json', 'print one JSON object with the result (progress goes to stderr)')
    .addHelpText(
      'after',
      `
Examples:
  corral setup --discover --agent claude --allow npm
  corral setup --discover --agent codex --model gpt-5-codex --allow-host pypi.org --allow-host files.pythonhosted.org
  corral setup --check --allow npm

--discover runs the agent on a copy of your tree (uncommitted changes included) with a
built-in task: explore the repository, write an idempotent, non-interactive
.corral/setup.sh that installs what the tests need (no test run, no secrets), try it, stop.
The agent reaches its model API and the --allow-host/--allow hosts only. The script is
then read from the agent's branch and verified: a fresh sandbox starts from the agent's
base with that one file added (nothing else the agent left), runs \`${setupScriptCommand}\`
with the same hosts and --timeout, and only if it exits 0 is the script written to your
tree (mode 755). A different .corral/setup.sh already there is never replaced without
--force. The agent's branch (corral/<id>) stays either way.

--check runs your tree's .corral/setup.sh the same way, from your tree as corral run
takes it. Battles run it the same way to set up each grading sandbox.

stdout: the script's path, the agent's and the verification's instance ids (--json:
{ kept, path, agentInstance, checkInstance, exitCode, script }; --check: { ok, path,
checkInstance, exitCode }); a failure adds "error". See a run's output with corral logs <id>.

Exit code: 0 the script passed (and, with --discover, is in your tree); 1 it failed
verification; 3 the agent left no usable script, or --check found none; 7 a different
.corral/setup.sh is in your tree (use --force); 130 canceled; 2, 4, 5 bad input.`,
    );
  addModelOptions(addSandboxOptions(cmd)).action(async (o: SetupOptions) => {
    const modes = [o.discover, o.check, o.showPrompt].filter(Boolean).length;
    if (modes !== 1)
      throw usage(
        'Say what to do: --discover, --check or --show-prompt.',
        'See corral setup --help.',
      );
    const reachable = [...new Set([...o.allowHost, ...expandAllowPresets(o.allow)])];
    if (o.showPrompt) {
      process.stdout.write(
        makeSetupPrompt({ reachable, ...(o.prompt ? { extra: o.prompt } : {}) }),
      );
      return;
    }
    const common = {
      repoDir: resolve(o.repo ?? process.cwd()),
      backend: parseBackend(o.backend),
      ...(o.image !== undefined ? { image: o.image } : {}),
      limits: parseLimits(o),
      allowHosts: o.allowHost,
      allowPresets: o.allow,
      timeoutMs: parseDuration('--timeout', o.timeout),
    };
    const json = Boolean(o.json);
    if (o.check) {
      if (o.agent !== undefined || o.prompt !== undefined || o.promptFile !== undefined)
        throw usage('--check runs the script you have: it takes no agent or prompt.');
      const engine = await ctx.engine();
      const result = await checkSetup(engineSetupInstances(engine, ctx), common, progress);
      process.exitCode = printChecked(result, json);
      return;
    }
    if (o.agent === undefined)
      throw usage(
        '--discover needs an agent to write the script.',
        'Add --agent claude (or codex, gemini).',
      );
    if (o.agent === 'shell')
      throw usage(
        'The shell agent cannot discover a setup.',
        `Write .corral/setup.sh yourself and run corral setup --check.`,
      );
    if (o.prompt !== undefined && o.promptFile !== undefined)
      throw usage('-p and --prompt-file cannot be combined.', 'Put the extra lines in the file.');
    const prompt =
      o.promptFile !== undefined
        ? await readPromptFile(o.promptFile)
        : makeSetupPrompt({ reachable, ...(o.prompt ? { extra: o.prompt } : {}) });
    const engine = await ctx.engine();
    const outcome = await discoverSetup(
      engineSetupInstances(engine, ctx),
      {
        ...common,
        agent: o.agent,
        prompt,
        modelPolicy: parseModelOptions(o),
        force: Boolean(o.force),
      },
      progress,
    );
    process.exitCode = printDiscovered(outcome, json);
  });
}

async function readPromptFile(file: string): Promise<string> {
  const text = await readFile(resolve(file), 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw usage(`--prompt-file ${file} cannot be read (${error.code ?? error.message}).`);
  });
  if (!text.trim()) throw usage(`--prompt-file ${file} is empty.`);
  return text;
}
