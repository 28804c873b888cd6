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
  it('leaves lifecycle events to the summary', () => {
    expect(renderEvent({ ...base, type: 'instance.started', sandboxId: 'abc' })).toBeNull();
  });
});
