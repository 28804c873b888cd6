import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../agent.js';
import { createCodexParser } from './codex-parser.js';

const fixtures = resolve(import.meta.dirname, '../../../test/fixtures/codex');

function fixture(name: string): string[] {
  return readFileSync(resolve(fixtures, name), 'utf8').split('\n').filter(Boolean);
}

function parse(lines: string[]): AgentEvent[] {
  const parser = createCodexParser();
  return [...lines.flatMap((text) => parser.line({ text, truncated: false })), ...parser.end()];
}

describe('codex parser on recorded output', () => {
  it('reads a run that looks, edits, runs a failing command and answers', () => {
    expect(parse(fixture('exec-edit.jsonl'))).toEqual([
      { type: 'agent.session', sessionId: '01a217ea-6f29-79d3-9684-dc22a43a6451' },
      { type: 'agent.text', text: 'Let me look at the greeting.' },
      {
        type: 'agent.tool-call',
        callId: 'item_2',
        tool: 'shell',
        input: { command: "/bin/bash -lc 'cat greeting.txt'" },
        target: 'cat greeting.txt',
      },
      { type: 'agent.command', command: 'cat greeting.txt', exitCode: 0, output: 'hello\n' },
      {
        type: 'agent.tool-call',
        callId: 'item_3',
        tool: 'apply_patch',
        input: {
          changes: [
            { path: '/workspace/greeting.txt', kind: 'update' },
            { path: '/workspace/notes/todo.txt', kind: 'add' },
          ],
        },
        target: '2 files',
      },
      { type: 'agent.file-change', path: '/workspace/greeting.txt', change: 'modify' },
      { type: 'agent.file-change', path: '/workspace/notes/todo.txt', change: 'add' },
      expect.objectContaining({
        type: 'agent.tool-call',
        callId: 'item_4',
        target: `printf '%s\\n' "it's" "done" | tr a-z A-Z && exit 3`,
      }),
      {
        type: 'agent.command',
        command: `printf '%s\\n' "it's" "done" | tr a-z A-Z && exit 3`,
        exitCode: 3,
        output: "IT'S\nDONE\n",
      },
      { type: 'agent.text', text: 'I changed the greeting and added notes/todo.txt.' },
      {
        type: 'agent.usage',
        model: null,
        inputTokens: 1105,
        outputTokens: 225,
        cacheReadTokens: 500,
        cacheWriteTokens: 0,
        costUsd: null,
      },
      {
        type: 'agent.end',
        ok: true,
        result: 'I changed the greeting and added notes/todo.txt.',
        denials: [],
      },
    ]);
  });

  it('reads a resumed session, whose usage is the running total', () => {
    const events = parse(fixture('exec-resume.jsonl'));
    expect(events[0]).toEqual({
      type: 'agent.session',
      sessionId: '01a217ea-6f29-79d3-9684-dc22a43a6451',
    });
    expect(events.find((e) => e.type === 'agent.usage')).toMatchObject({
      inputTokens: 1926 - 600,
      cacheReadTokens: 600,
      outputTokens: 270,
    });
    expect(events.at(-1)).toMatchObject({ type: 'agent.end', ok: true });
  });

  it('reports a failed turn once, with the warning before it, and ends not ok', () => {
    expect(parse(fixture('exec-failed.jsonl'))).toEqual([
      { type: 'agent.session', sessionId: '01a217ea-7228-7370-9946-36eec05159c0' },
      {
        type: 'agent.error',
        message:
          'Model metadata for `nope` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.',
      },
      { type: 'agent.error', message: 'The model `nope` does not exist.' },
      { type: 'agent.end', ok: false, result: null, denials: [] },
    ]);
  });

  it('keeps every retry notice', () => {
    const events = parse(fixture('exec-retries.jsonl'));
    const errors = events.filter((e) => e.type === 'agent.error');
    expect(errors.map((e) => (e.type === 'agent.error' ? e.message : ''))).toEqual([
      ...[1, 2, 3, 4, 5].map(
        (n) =>
          `Reconnecting... ${n}/5 (We’re currently experiencing high demand, which may cause temporary errors.)`,
      ),
      'We’re currently experiencing high demand, which may cause temporary errors.',
    ]);
    expect(events.at(-1)).toEqual({ type: 'agent.end', ok: false, result: null, denials: [] });
  });
});

describe('codex parser on what it does not know', () => {
  const odd = [
    '{"type":"thread.sta',
    'WARNING: proceeding, even though we could not create PATH aliases',
    '{"type":"turn.teleported","where":"mars"}',
    '{"type":"item.completed","item":{"id":"item_9","type":"hologram","beam":1}}',
    '{"type":"item.completed","item":"not an object"}',
    '{"type":"item.completed","item":{"id":"item_8","type":"agent_message"}}',
    '{"type":"thread.started"}',
    '["type","thread.started"]',
    '',
  ];

  it('keeps each unknown or malformed line, as it was, as raw', () => {
    const parser = createCodexParser();
    for (const text of odd)
      expect(parser.line({ text, truncated: false })).toEqual([
        { type: 'raw', line: text, stream: 'stdout' },
      ]);
  });

  it('still ends a turn that reports no usage', () => {
    expect(parse(['{"type":"turn.started"}', '{"type":"turn.completed"}'])).toEqual([
      { type: 'agent.end', ok: true, result: null, denials: [] },
    ]);
  });

  it('keeps a line cut at the size limit as raw, marked, even if it starts like a known one', () => {
    const parser = createCodexParser();
    const text =
      '{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"aaa';
    expect(parser.line({ text, truncated: true })).toEqual([
      { type: 'raw', line: `${text}… [truncated]`, stream: 'stdout' },
    ]);
  });

  it('ends a run whose output stops mid-turn as not ok, and says nothing for output that never started', () => {
    const cut = createCodexParser();
    cut.line({ text: fixture('exec-edit.jsonl')[0] ?? '', truncated: false });
    expect(cut.end()).toEqual([{ type: 'agent.end', ok: false, result: null, denials: [] }]);

    const tui = createCodexParser();
    tui.line({ text: '\u001b[2J some terminal output', truncated: false });
    expect(tui.end()).toEqual([]);
  });
});

// Item types the recorded runs do not produce; shapes from Codex's exec_events.rs.
describe('codex parser on other item types', () => {
  it('reads an MCP tool call, a web search and a plan', () => {
    const events = parse([
      '{"type":"item.started","item":{"id":"item_1","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"x"},"result":null,"error":null,"status":"in_progress"}}',
      '{"type":"item.completed","item":{"id":"item_1","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"x"},"result":{"content":[{"type":"text","text":"found"}]},"error":null,"status":"completed"}}',
      '{"type":"item.completed","item":{"id":"item_2","type":"mcp_tool_call","server":"docs","tool":"get","arguments":{},"result":null,"error":{"message":"no such page"},"status":"failed"}}',
      '{"type":"item.started","item":{"id":"item_3","type":"web_search","query":"vitest projects"}}',
      '{"type":"item.completed","item":{"id":"item_3","type":"web_search","query":"vitest projects"}}',
      '{"type":"item.started","item":{"id":"item_4","type":"todo_list","items":[{"text":"read","completed":false}]}}',
      '{"type":"item.updated","item":{"id":"item_4","type":"todo_list","items":[{"text":"read","completed":true}]}}',
      '{"type":"item.completed","item":{"id":"item_4","type":"todo_list","items":[{"text":"read","completed":true}]}}',
    ]);
    expect(events).toEqual([
      {
        type: 'agent.tool-call',
        callId: 'item_1',
        tool: 'docs.search',
        input: { q: 'x' },
        target: null,
      },
      { type: 'agent.tool-result', callId: 'item_1', ok: true, output: 'found' },
      { type: 'agent.tool-call', callId: 'item_2', tool: 'docs.get', input: {}, target: null },
      { type: 'agent.tool-result', callId: 'item_2', ok: false, output: 'no such page' },
      {
        type: 'agent.tool-call',
        callId: 'item_3',
        tool: 'web_search',
        input: { query: 'vitest projects' },
        target: 'vitest projects',
      },
      {
        type: 'agent.tool-call',
        callId: 'item_4',
        tool: 'todo_list',
        input: { items: [{ text: 'read', completed: false }] },
        target: null,
      },
      {
        type: 'agent.tool-call',
        callId: 'item_4',
        tool: 'todo_list',
        input: { items: [{ text: 'read', completed: true }] },
        target: null,
      },
    ]);
  });

  it('reports a patch that failed to apply as an error, not as changed files', () => {
    const events = parse([
      '{"type":"item.completed","item":{"id":"item_1","type":"file_change","changes":[{"path":"/workspace/a.txt","kind":"update"}],"status":"failed"}}',
    ]);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'agent.tool-call',
        tool: 'apply_patch',
        target: '/workspace/a.txt',
      }),
      { type: 'agent.error', message: 'apply_patch failed on /workspace/a.txt' },
    ]);
  });
});
