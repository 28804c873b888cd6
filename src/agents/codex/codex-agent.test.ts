import { describe, expect, it } from 'vitest';
import type { LaunchRequest } from '../agent.js';
import { describeAgentContract } from '../agent.contract.js';
import { codexAgent, type CodexLaunchRequest } from './codex-agent.js';

describeAgentContract(codexAgent);

const request: LaunchRequest = {
  prompt: '-fix the test',
  interactive: false,
  args: ['-m', 'gpt-5.5'],
  sessionId: null,
  context: null,
  workdir: '/workspace',
  stateDir: '/workspace/.git/corral',
};

function file(launch: ReturnType<typeof codexAgent.launch>, path: string): string | undefined {
  return launch.files.find((f) => f.path === path)?.content;
}

describe('codex launch', () => {
  it('runs `codex exec --json` with the prompt after `--`, in its own CODEX_HOME', () => {
    const launch = codexAgent.launch(request);
    expect(launch.argv).toEqual([
      'codex',
      'exec',
      '--json',
      '--skip-git-repo-check',
      '-m',
      'gpt-5.5',
      '--',
      '-fix the test',
    ]);
    expect(launch.env).toEqual({ CODEX_HOME: '/workspace/.git/corral/codex-home' });
  });

  it('continues a session with `codex exec resume <id>`', () => {
    const launch = codexAgent.launch({ ...request, sessionId: 'abc-123', prompt: 'go on' });
    expect(launch.argv).toEqual([
      'codex',
      'exec',
      'resume',
      '--json',
      '--skip-git-repo-check',
      '-m',
      'gpt-5.5',
      '--',
      'abc-123',
      'go on',
    ]);
  });

  it('opens the TUI, fresh or resumed, with the same config', () => {
    const fresh = codexAgent.launch({ ...request, interactive: true, prompt: null, args: [] });
    expect(fresh.argv).toEqual(['codex']);
    const resumed = codexAgent.launch({
      ...request,
      interactive: true,
      prompt: null,
      args: [],
      sessionId: 'abc-123',
    });
    expect(resumed.argv).toEqual(['codex', 'resume', '--', 'abc-123']);
    expect(file(fresh, 'codex-home/config.toml')).toBe(file(resumed, 'codex-home/config.toml'));
    expect(resumed.env).toEqual(fresh.env);
  });

  it('configures its own provider at the endpoint it is given, trusting the workspace', () => {
    const withEndpoint: CodexLaunchRequest = {
      ...request,
      endpoints: { OPENAI_BASE_URL: 'http://host.docker.internal:8080/v1' },
    };
    const config = file(codexAgent.launch(withEndpoint), 'codex-home/config.toml') ?? '';
    expect(config).toContain('model_provider = "corral"');
    expect(config).toContain('base_url = "http://host.docker.internal:8080/v1"');
    expect(config).toContain('wire_api = "responses"');
    expect(config).toContain('approval_policy = "never"');
    expect(config).toContain('sandbox_mode = "danger-full-access"');
    expect(config).toContain('[projects."/workspace"]\ntrust_level = "trusted"');
    expect(file(codexAgent.launch(request), 'codex-home/config.toml')).toContain(
      'base_url = "https://api.openai.com/v1"',
    );
  });

  it('gives the context to Codex as its global AGENTS.md, outside the workspace tree it commits', () => {
    expect(file(codexAgent.launch(request), 'codex-home/AGENTS.md')).toBeUndefined();
    const launch = codexAgent.launch({ ...request, context: 'You are the reviewer.' });
    expect(file(launch, 'codex-home/AGENTS.md')).toBe('You are the reviewer.');
  });

  it('pins a model in its config, for exec, resume and the TUI alike', () => {
    const config = file(
      codexAgent.launch({ ...request, model: 'gpt-5.5' }),
      'codex-home/config.toml',
    );
    expect(config).toMatch(/^model = "gpt-5.5"$/m);
    expect(file(codexAgent.launch(request), 'codex-home/config.toml')).not.toMatch(/^model =/m);
  });
});
