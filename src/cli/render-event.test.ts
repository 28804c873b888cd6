import { describe, expect, it } from 'vitest';
import { renderEvent } from './render-event.js';

const base = { v: 1 as const, ts: '2026-01-01T00:00:00Z', id: 'claude-abcde' };

describe('renderEvent', () => {
  it('gives a tool call one line with its target', () => {
    expect(
      renderEvent({
        ...base,
        type: 'agent.tool-call',
        callId: 'x',
        tool: 'Edit',
        input: {},
        target: 'src/add.ts',
      }),
    ).toBe('  → Edit src/add.ts');
    expect(
      renderEvent({
        ...base,
        type: 'agent.command',
        command: 'npm test',
        exitCode: 1,
        output: null,
      }),
    ).toBe('  $ npm test (exit 1)');
  });
  it('strips sequences that could rewrite the terminal', () => {
    const line = renderEvent({
      ...base,
      type: 'agent.text',
      text: 'hi\u001b[2J\u001b]0;title\u0007 there\u0007',
    });
    expect(line).toBe('hi there');
  });
  it("shows an agent's request and its answer, with how to answer it", () => {
    expect(
      renderEvent({
        ...base,
        type: 'request.opened',
        n: 2,
        kind: 'package',
        name: 'apt:jq',
        why: 'parse JSON \u001b[2Jnow',
      }),
    ).toBe(
      '  request 2: package apt:jq (parse JSON now); answer with corral approve/reject claude-abcde 2',
    );
    expect(
      renderEvent({
        ...base,
        type: 'request.answered',
        n: 2,
        kind: 'package',
        name: 'apt:jq',
        decision: 'rejected',
        by: 'ana',
        reason: 'use python',
      }),
    ).toBe('  request 2 rejected by ana: package apt:jq (use python)');
  });
  it("keeps an agent's unknown protocol lines out of the human view, but not its stderr", () => {
    const unknown = '{"type":"system","subtype":"something_new"}';
    expect(renderEvent({ ...base, type: 'raw', line: unknown, stream: 'stdout' })).toBeNull();
    expect(renderEvent({ ...base, type: 'raw', line: unknown })).toBeNull();
    expect(renderEvent({ ...base, type: 'raw', line: 'warning: x', stream: 'stderr' })).toBe(
      '  warning: x',
    );
    expect(
      renderEvent({
        ...base,
        type: 'agent.task',
        taskId: 't1',
        state: 'started',
        description: 'Survey',
      }),
    ).toBe('  task started: Survey');
  });
  it('leaves lifecycle events to the summary', () => {
    expect(renderEvent({ ...base, type: 'instance.started', sandboxId: 'abc' })).toBeNull();
  });
});
