/**
 * Codex (OpenAI's CLI): headless `codex exec --json … -- <prompt>`, interactive `codex`,
 * a conversation continued with `codex exec resume <id>` (or `codex resume <id>` in the
 * TUI). Codex runs with its own `CODEX_HOME` under the state dir: the config it needs
 * (see `codex-config.ts`) and the context text as `AGENTS.md`, Codex's global
 * instructions, so nothing is written into the workspace. Its sessions live there too,
 * which is what makes a resume in the same workspace find them.
 *
 * What the process needs from whoever runs it: stdin closed (`codex exec` reads stdin to
 * the end and appends it to the prompt — it waits forever on an open one); `TMPDIR` not
 * containing the state dir (Codex then refuses to put its helper commands, such as
 * `apply_patch`, on the PATH, and warns); `OPENAI_API_KEY` in the environment.
 */
import type { AgentAdapter, Launch, LaunchRequest } from '../agent.js';
import { renderCodexConfig } from './codex-config.js';
import { createCodexParser } from './codex-parser.js';

/** Relative to the state dir. */
export const codexHomeDir = 'codex-home';

export const defaultOpenAIBaseUrl = 'https://api.openai.com/v1';

/**
 * A launch request that may also carry the adapter's endpoint variables as the sandbox sees
 * them (`OPENAI_BASE_URL`, loopback already rewritten). Codex only takes its API address
 * from its config, so the adapter writes it there; with no endpoint given, OpenAI's own.
 */
export type CodexLaunchRequest = LaunchRequest;

function launchCodex(request: CodexLaunchRequest): Launch {
  const codexHome = `${request.stateDir}/${codexHomeDir}`;
  const baseUrl = request.endpoints?.OPENAI_BASE_URL || defaultOpenAIBaseUrl;
  const files = [
    {
      path: `${codexHomeDir}/config.toml`,
      content: renderCodexConfig({
        baseUrl,
        workdir: request.workdir,
        model: request.model ?? null,
      }),
    },
  ];
  if (request.context) files.push({ path: `${codexHomeDir}/AGENTS.md`, content: request.context });

  // After `--`, a prompt that starts with `-` is not read as an option.
  const prompt = request.prompt ? [request.prompt] : [];
  const session = request.sessionId ? [request.sessionId] : [];
  let argv: string[];
  if (request.interactive) {
    argv = request.sessionId
      ? ['codex', 'resume', ...request.args, '--', ...session]
      : ['codex', ...request.args, ...(request.prompt ? ['--', request.prompt] : [])];
  } else {
    // The workspace is a git repository, but one owned by another uid may not look like one
    // to Codex; the sandbox is the fence either way.
    const options = ['--json', '--skip-git-repo-check', ...request.args, '--'];
    argv = request.sessionId
      ? ['codex', 'exec', 'resume', ...options, ...session, ...prompt]
      : ['codex', 'exec', ...options, ...prompt];
  }
  return { argv, env: { CODEX_HOME: codexHome }, files };
}

export const codexAgent: AgentAdapter = {
  name: 'codex',
  binary: 'codex',
  credentials: [['OPENAI_API_KEY']],
  endpointVars: ['OPENAI_BASE_URL'],
  needsNetwork: true,
  launch: launchCodex,
  createParser: createCodexParser,
};
