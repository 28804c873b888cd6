/**
 * Claude Code (Anthropic's CLI): headless `claude -p --output-format stream-json --verbose
 * … -- <prompt>`, interactive `claude`, a conversation continued with `--resume <id>`, and
 * the context text appended to the system prompt from a file. Tools run with no permission
 * prompts (`--dangerously-skip-permissions`): the sandbox, not the CLI, is the fence — and
 * without it a headless run silently skips every Edit and Bash yet reports success.
 *
 * The environment makes that work in a sandbox (measured on 2.1.332):
 *   - IS_SANDBOX=1: as root, Claude Code refuses the bypass flag without it (a non-root
 *     sandbox does not need it; an image that runs as root does);
 *   - CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1, DISABLE_AUTOUPDATER=1: otherwise it calls
 *     Anthropic's own hosts (a connectivity check, telemetry, updates) whatever
 *     ANTHROPIC_BASE_URL says;
 *   - CLAUDE_CONFIG_DIR under the state dir: its config and its conversations live with the
 *     workspace, so `--resume` in a later sandbox finds them (HOME may be gone by then),
 *     and the files in `claude-code-config.ts` stop the interactive start-up questions.
 * A pinned model (`--model`) is its `--model`, and also every model setting it has for
 * other work (the small model for titles and summaries, the model families its subagents
 * pick, the subagent model), so that all its calls ask for the pinned model and none is
 * refused by the gateway.
 * HOME must still be writable (the sandbox provides one); the credential
 * (ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN) and ANTHROPIC_BASE_URL come from the
 * orchestrator.
 */
import type { AgentAdapter, Launch, LaunchRequest } from '../agent.js';
import { claudeConfigDir, renderClaudeConfig } from './claude-code-config.js';
import { createClaudeCodeParser } from './claude-code-parser.js';

/** The context text, relative to the config dir. */
const contextFile = 'corral-context.md';

/** Claude Code 2.1.332's settings for the models it picks for work besides the main loop. */
const modelVariables = [
  'ANTHROPIC_MODEL',
  'ANTHROPIC_SMALL_FAST_MODEL',
  'ANTHROPIC_DEFAULT_HAIKU_MODEL',
  'ANTHROPIC_DEFAULT_SONNET_MODEL',
  'ANTHROPIC_DEFAULT_OPUS_MODEL',
  'ANTHROPIC_DEFAULT_FABLE_MODEL',
  'CLAUDE_CODE_SUBAGENT_MODEL',
];

function pinModel(model: string | null): Record<string, string> {
  return model
    ? Object.fromEntries(modelVariables.map((name): [string, string] => [name, model]))
    : {};
}

function launchClaudeCode(request: LaunchRequest): Launch {
  const configDir = `${request.stateDir}/${claudeConfigDir}`;
  const files = renderClaudeConfig(request.workdir).map((f) => ({
    path: `${claudeConfigDir}/${f.name}`,
    content: f.content,
  }));
  const argv = ['claude'];
  if (!request.interactive) argv.push('-p', '--output-format', 'stream-json', '--verbose');
  argv.push('--dangerously-skip-permissions');
  if (request.sessionId) argv.push('--resume', request.sessionId);
  if (request.model) argv.push('--model', request.model);
  if (request.context) {
    // A file rather than --append-system-prompt <text>: context files can outgrow the
    // kernel's limit on one argument (128 KiB), and stay out of process listings.
    files.push({ path: `${claudeConfigDir}/${contextFile}`, content: request.context });
    argv.push('--append-system-prompt-file', `${configDir}/${contextFile}`);
  }
  argv.push(...request.args);
  // `--` keeps a prompt that starts with `-` from being read as an option.
  const prompt = request.prompt ?? '';
  if (!request.interactive || prompt) argv.push('--', prompt);
  return {
    argv,
    env: {
      IS_SANDBOX: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CONFIG_DIR: configDir,
      ...pinModel(request.model ?? null),
    },
    files,
  };
}

export const claudeCodeAgent: AgentAdapter = {
  name: 'claude',
  binary: 'claude',
  credentials: [['ANTHROPIC_API_KEY'], ['CLAUDE_CODE_OAUTH_TOKEN']],
  endpointVars: ['ANTHROPIC_BASE_URL'],
  needsNetwork: true,
  launch: launchClaudeCode,
  createParser: createClaudeCodeParser,
};
