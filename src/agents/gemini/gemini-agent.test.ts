import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../agent.js';
import { geminiAgent } from './gemini-agent.js';

const request = {
  prompt: 'fix it',
  interactive: false,
  args: [],
  sessionId: null,
  context: 'You are the reviewer.',
  workdir: '/workspace',
  stateDir: '/workspace/.git/corral',
};

function parse(lines: string[]): AgentEvent[] {
  const p = geminiAgent.createParser();
  return [...lines.flatMap((text) => p.line({ text, truncated: false })), ...p.end()];
}

describe('gemini agent', () => {
  it('runs headless with stream-json, approving tools, the context leading the task', () => {
    expect(geminiAgent.launch(request).argv).toEqual([
      'gemini',
      '--output-format',
      'stream-json',
      '-y',
      '-p',
      'You are the reviewer.\n\nfix it',
    ]);
    expect(
      geminiAgent.launch({
        ...request,
        prompt: null,
        context: null,
        interactive: true,
        sessionId: 's1',
      }).argv,
    ).toEqual(['gemini', '--resume', 's1']);
  });

  it('gets a home of its own under the state dir, whose settings pick the API-key auth', () => {
    const launch = geminiAgent.launch(request);
    expect(launch.env.GEMINI_CLI_HOME).toBe('/workspace/.git/corral/gemini-home');
    expect(launch.files.map((f) => f.path)).toEqual(['gemini-home/.gemini/settings.json']);
    const settings = JSON.parse(launch.files[0]?.content ?? '') as Record<string, unknown>;
    expect(settings).toMatchObject({
      security: { auth: { selectedType: 'gemini-api-key' } },
      privacy: { usageStatisticsEnabled: false },
    });
  });

  it("leaves a command's exit code unknown when its output does not say it", () => {
    const events = parse([
      '{"type":"tool_use","tool_name":"run_shell_command","tool_id":"t1","parameters":{"command":"ls nope"}}',
      '{"type":"tool_result","tool_id":"t1","status":"success","output":"ls: cannot access"}',
    ]);
    expect(events.find((e) => e.type === 'agent.command')).toMatchObject({ exitCode: null });
  });

  it('reads its stream-json events', () => {
    const events = parse([
      '{"type":"init","session_id":"abc","model":"gemini-2.5-pro"}',
      '{"type":"message","role":"assistant","content":"Look","delta":true}',
      '{"type":"message","role":"assistant","content":"ing.","delta":true}',
      '{"type":"tool_use","tool_name":"run_shell_command","tool_id":"t1","parameters":{"command":"npm test"}}',
      '{"type":"tool_result","tool_id":"t1","status":"error","output":"Exit Code: 1"}',
      '{"type":"tool_use","tool_name":"write_file","tool_id":"t2","parameters":{"file_path":"a.ts","content":"x"}}',
      '{"type":"tool_result","tool_id":"t2","status":"success","output":"ok"}',
      '{"type":"result","status":"success","stats":{"input_tokens":100,"output_tokens":20}}',
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'agent.session',
      'agent.text',
      'agent.tool-call',
      'agent.tool-result',
      'agent.command',
      'agent.tool-call',
      'agent.tool-result',
      'agent.file-change',
      'agent.usage',
      'agent.end',
    ]);
    expect(events[1]).toEqual({ type: 'agent.text', text: 'Looking.' });
    expect(events[4]).toMatchObject({ command: 'npm test', exitCode: 1 });
    expect(events[8]).toMatchObject({ inputTokens: 100, outputTokens: 20 });
  });

  it('pins a model with --model (so its auto router asks no small model)', () => {
    expect(geminiAgent.launch({ ...request, model: 'gemini-2.5-pro' }).argv.slice(0, 6)).toEqual([
      'gemini',
      '--output-format',
      'stream-json',
      '-y',
      '--model',
      'gemini-2.5-pro',
    ]);
  });
});
