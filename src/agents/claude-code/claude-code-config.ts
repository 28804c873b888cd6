/**
 * The files Claude Code finds in its config directory (`CLAUDE_CONFIG_DIR`, under the state
 * dir) when corral launches it. They only answer the questions an interactive session
 * would otherwise ask before it starts, none of which make sense in a sandbox: the
 * first-run onboarding (which also checks connectivity to api.anthropic.com directly,
 * whatever ANTHROPIC_BASE_URL says), whether to trust the workspace folder, and whether to
 * accept bypass-permissions mode, and whether to use the API key in the environment (only
 * the fence's placeholder is pre-approved, by its last 20 characters as Claude Code keeps
 * them). Headless runs ask none of these, and are unaffected.
 *
 * Written before every launch, so what Claude Code added to `.claude.json` last time is
 * replaced; conversations live in `projects/`, which is left alone, so a resume still finds
 * them.
 */

import { fencePlaceholderKey } from '../placeholder-key.js';

/** Relative to the state dir. */
export const claudeConfigDir = 'claude-home';

export interface ClaudeConfigFile {
  /** Relative to the config dir. */
  name: string;
  content: string;
}

export function renderClaudeConfig(workdir: string): ClaudeConfigFile[] {
  const globalConfig = {
    hasCompletedOnboarding: true,
    projects: { [workdir]: { hasTrustDialogAccepted: true } },
    customApiKeyResponses: { approved: [fencePlaceholderKey.slice(-20)], rejected: [] },
  };
  const settings = { skipDangerousModePermissionPrompt: true };
  return [
    { name: '.claude.json', content: `${JSON.stringify(globalConfig, null, 2)}\n` },
    { name: 'settings.json', content: `${JSON.stringify(settings, null, 2)}\n` },
  ];
}
