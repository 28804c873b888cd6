/**
 * The `config.toml` corral gives Codex (in its own `CODEX_HOME`, under the state dir, so
 * the developer's `~/.codex` is never read and nothing lands in the workspace). What it
 * settles, and why (measured on Codex 0.169):
 *   - a custom model provider with `wire_api = "responses"`: Codex ignores
 *     `OPENAI_BASE_URL`, and its built-in provider tries WebSockets first; this one talks
 *     plain HTTPS (or HTTP to a local model server) to `base_url` and nowhere else;
 *   - `approval_policy = "never"`, `sandbox_mode = "danger-full-access"` (what
 *     `--dangerously-bypass-approvals-and-sandbox` amounts to): corral's sandbox is the
 *     fence. Codex's own sandbox wants user namespaces (bubblewrap) or Landlock and
 *     seccomp, which a container with every capability dropped under Docker's default
 *     seccomp profile generally refuses, so its commands would fail; and headless there is
 *     nobody to approve anything. Set in the config rather than as flags because `codex
 *     exec resume` has no `--sandbox` and the TUI must behave the same;
 *   - the workspace marked trusted: otherwise the TUI stops at a "trust this folder?" screen;
 *   - plugins, analytics and the update check off: they look up github.com, chatgpt.com and
 *     ab.chatgpt.com whatever the provider is;
 *   - no background app-server daemon: the TUI otherwise copies its 400 MB binary into
 *     `CODEX_HOME/packages` and leaves a server running after it exits;
 *   - a pinned model (`--model`) as `model`: it holds for `exec`, `exec resume` and the TUI
 *     alike, and Codex asks for its side requests (a thread title) with the same model.
 */

/** A TOML basic string: JSON's escapes are all valid TOML. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

export const codexProviderId = 'corral';

export interface CodexConfigOptions {
  /** The Responses API base URL, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** The workspace as Codex sees it, to trust. */
  workdir: string;
  /** The model it must use, or null for its default. */
  model?: string | null;
}

export function renderCodexConfig(options: CodexConfigOptions): string {
  const model = options.model ? `model = ${tomlString(options.model)}\n` : '';
  return `# Written by corral for this instance; rewritten at every launch.
${model}model_provider = "${codexProviderId}"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[model_providers.${codexProviderId}]
name = "corral"
base_url = ${tomlString(options.baseUrl)}
env_key = "OPENAI_API_KEY"
wire_api = "responses"

[analytics]
enabled = false

[features]
plugins = false
daemon_auto_start = false

[projects.${tomlString(options.workdir)}]
trust_level = "trusted"
`;
}
