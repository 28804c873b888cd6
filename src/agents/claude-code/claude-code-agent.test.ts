/** What the adapter asks the sandbox to run: the argv, the environment, the files. */
import { describe, expect, it } from 'vitest';
import type { LaunchRequest } from '../agent.js';
import { claudeCodeAgent } from './claude-code-agent.js';

const request: LaunchRequest = {
  prompt: 'fix the failing test',
  interactive: false,
  args: [],
  sessionId: null,
  context: null,
  workdir: '/workspace',
  stateDir: '/workspace/.git/corral',
};

describe('claude code launch', () => {
  it('runs headless with stream-json output and no permission prompts', () => {
    const launch = claudeCodeAgent.launch(request);
    expect(launch.argv).toEqual([
      'claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--dangerously-skip-permissions',
      '--',
      'fix the failing test',
    ]);
    expect(launch.env).toEqual({
      IS_SANDBOX: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CONFIG_DIR: '/workspace/.git/corral/claude-home',
    });
  });

  it('keeps a prompt that looks like an option a prompt', () => {
    const launch = claudeCodeAgent.launch({ ...request, prompt: '--help me' });
    expect(launch.argv.slice(-2)).toEqual(['--', '--help me']);
  });

  it('resumes a session and appends the context from a file, before extra arguments', () => {
    const launch = claudeCodeAgent.launch({
      ...request,
      sessionId: 'c0ffee00-0000-4000-8000-000000000000',
      context: 'You are the reviewer.',
      args: ['--model', 'claude-sonnet-4-5'],
    });
    expect(launch.argv.slice(6)).toEqual([
      '--resume',
      'c0ffee00-0000-4000-8000-000000000000',
      '--append-system-prompt-file',
      '/workspace/.git/corral/claude-home/corral-context.md',
      '--model',
      'claude-sonnet-4-5',
      '--',
      'fix the failing test',
    ]);
    expect(launch.files).toContainEqual({
      path: 'claude-home/corral-context.md',
      content: 'You are the reviewer.',
    });
  });

  it('starts an interactive session without -p, its start-up questions answered', () => {
    const launch = claudeCodeAgent.launch({ ...request, prompt: null, interactive: true });
    expect(launch.argv).toEqual(['claude', '--dangerously-skip-permissions']);
    const files = Object.fromEntries(launch.files.map((f) => [f.path, JSON.parse(f.content)]));
    expect(files).toEqual({
      'claude-home/.claude.json': {
        hasCompletedOnboarding: true,
        projects: { '/workspace': { hasTrustDialogAccepted: true } },
        // The fence's placeholder key, and only it, is accepted without asking.
        customApiKeyResponses: { approved: ['rral-placeholder-key'], rejected: [] },
      },
      'claude-home/settings.json': { skipDangerousModePermissionPrompt: true },
    });
  });

  it('gives an interactive session its first prompt', () => {
    const launch = claudeCodeAgent.launch({ ...request, interactive: true });
    expect(launch.argv).toEqual([
      'claude',
      '--dangerously-skip-permissions',
      '--',
      'fix the failing test',
    ]);
  });

  it('pins a model for the main loop and every side request it can be told about', () => {
    const launch = claudeCodeAgent.launch({ ...request, model: 'claude-sonnet-4-5' });
    expect(launch.argv).toContain('--model');
    expect(launch.argv[launch.argv.indexOf('--model') + 1]).toBe('claude-sonnet-4-5');
    for (const name of [
      'ANTHROPIC_MODEL',
      'ANTHROPIC_SMALL_FAST_MODEL',
      'ANTHROPIC_DEFAULT_HAIKU_MODEL',
      'ANTHROPIC_DEFAULT_SONNET_MODEL',
      'ANTHROPIC_DEFAULT_OPUS_MODEL',
      'CLAUDE_CODE_SUBAGENT_MODEL',
    ])
      expect(launch.env[name], name).toBe('claude-sonnet-4-5');
    expect(claudeCodeAgent.launch({ ...request, model: null }).argv).not.toContain('--model');
  });
});
