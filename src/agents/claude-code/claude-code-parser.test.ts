/**
 * The parser over what the real Claude Code CLI printed (fixtures recorded by
 * `test/fixtures/claude-code/record-fixtures.ts` against the Anthropic stand-in, which
 * reports 321 input, 45 output, 1000 cache-read and 67 cache-write tokens per turn), and
 * over lines no CLI should print: malformed, truncated, of unknown types.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../events/line-splitter.js';
import type { AgentEvent } from '../agent.js';
import { createClaudeCodeParser } from './claude-code-parser.js';

const fixtures = resolve(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'claude-code');
const repo = '/tmp/corral-fixture/repo';
const perTurn = { input: 321, output: 45, cacheRead: 1000, cacheWrite: 67 };

function fixtureLines(name: string): string[] {
  return readFileSync(join(fixtures, `${name}.ndjson`), 'utf8')
    .split('\n')
    .filter(Boolean);
}

function parse(name: string): AgentEvent[] {
  const parser = createClaudeCodeParser();
  const events: AgentEvent[] = [];
  const splitter = new LineSplitter((line) => events.push(...parser.line(line)));
  splitter.push(readFileSync(join(fixtures, `${name}.ndjson`)));
  splitter.end();
  events.push(...parser.end());
  return events;
}

function ofType<T extends AgentEvent['type']>(events: AgentEvent[], type: T) {
  return events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
}

function sessionOf(name: string): string {
  const init = JSON.parse(fixtureLines(name)[0] ?? '{}') as { session_id?: string };
  return init.session_id ?? '';
}

describe('claude code parser, real output', () => {
  it('reads a run that reads, edits and runs commands', () => {
    const events = parse('edit-and-run');
    expect(events.map((e) => e.type)).toEqual([
      'agent.session',
      'agent.text',
      'agent.tool-call',
      'agent.tool-result',
      'agent.tool-call',
      'agent.tool-result',
      'agent.file-change',
      'agent.tool-call',
      'agent.tool-result',
      'agent.command',
      'agent.tool-call',
      'agent.tool-result',
      'agent.command',
      'agent.text',
      'agent.usage',
      'agent.end',
    ]);
    expect(events[0]).toEqual({ type: 'agent.session', sessionId: sessionOf('edit-and-run') });
    expect(ofType(events, 'agent.tool-call').map((e) => [e.tool, e.target])).toEqual([
      ['Read', `${repo}/app.py`],
      ['Edit', `${repo}/app.py`],
      ['Bash', 'grep -c corral app.py'],
      ['Bash', 'test -f missing.txt'],
    ]);
    const [read] = ofType(events, 'agent.tool-call');
    expect(read?.callId).toMatch(/^toolu_/);
    expect(ofType(events, 'agent.tool-result')[0]).toMatchObject({
      callId: read?.callId,
      ok: true,
      output: expect.stringContaining('greeting = "hello"') as string,
    });
    expect(ofType(events, 'agent.file-change')).toEqual([
      { type: 'agent.file-change', path: `${repo}/app.py`, change: 'modify' },
    ]);
    expect(ofType(events, 'agent.command')).toEqual([
      { type: 'agent.command', command: 'grep -c corral app.py', exitCode: 0, output: '1' },
      // `test` exited 1, which Claude Code reports as "Condition is false", not as an error:
      // the code itself is not given.
      { type: 'agent.command', command: 'test -f missing.txt', exitCode: null, output: '' },
    ]);
    const [usage] = ofType(events, 'agent.usage');
    expect(usage).toMatchObject({
      model: 'claude-opus-5-5',
      inputTokens: 5 * perTurn.input,
      outputTokens: 5 * perTurn.output,
      cacheReadTokens: 5 * perTurn.cacheRead,
      cacheWriteTokens: 5 * perTurn.cacheWrite,
    });
    expect(usage?.costUsd).toBeGreaterThan(0);
    expect(events.at(-1)).toEqual({
      type: 'agent.end',
      ok: true,
      result: 'Done: the greeting now mentions corral.',
      denials: [],
    });
  });

  it('surfaces what a run without the bypass was refused, though it ends in success', () => {
    const events = parse('denied');
    expect(events.at(-1)).toEqual({
      type: 'agent.end',
      ok: true,
      result: 'Done.',
      denials: [`Edit ${repo}/app.py`, 'Bash echo done > out.txt'],
    });
    // Live, as it happens: an error per refusal, and failed tool results.
    const errors = ofType(events, 'agent.error').map((e) => e.message);
    expect(errors).toEqual([
      expect.stringMatching(/^Claude Code refused Edit: .*permissions to write/),
      expect.stringMatching(/^Claude Code refused Bash: /),
    ]);
    expect(ofType(events, 'agent.tool-result').map((e) => e.ok)).toEqual([false, false]);
    // Nothing ran, so nothing changed and no command is reported.
    expect(ofType(events, 'agent.command')).toEqual([]);
    expect(ofType(events, 'agent.file-change')).toEqual([]);
  });

  it('reads background commands, a subagent and several results', () => {
    const events = parse('background-and-subagent');
    expect(ofType(events, 'agent.session')).toHaveLength(1);
    expect(ofType(events, 'agent.file-change')).toEqual([
      { type: 'agent.file-change', path: `${repo}/notes/todo.md`, change: 'add' },
      { type: 'agent.file-change', path: `${repo}/app.py`, change: 'modify' },
    ]);
    // A background command has no exit code when it is started.
    expect(ofType(events, 'agent.command')).toEqual([
      expect.objectContaining({ command: 'sleep 1; echo later', exitCode: null }),
    ]);
    expect(ofType(events, 'agent.tool-result').find((e) => !e.ok)?.output).toMatch(
      /File does not exist/,
    );
    // The subagent's text is the agent's too.
    expect(ofType(events, 'agent.text').map((e) => e.text)).toContain('Two files.');
    // Usage events count only what came since the result before (a result can arrive late,
    // covering later turns, and the next one then has nothing new): summed, they are every
    // turn the stand-in answered — nine, the subagent's included — and the run's cost.
    const usage = ofType(events, 'agent.usage');
    expect(usage.reduce((n, e) => n + e.inputTokens, 0)).toBe(9 * perTurn.input);
    expect(usage.reduce((n, e) => n + e.cacheWriteTokens, 0)).toBe(9 * perTurn.cacheWrite);
    const last = JSON.parse(
      fixtureLines('background-and-subagent').findLast((l) => l.includes('"type":"result"')) ??
        '{}',
    ) as { total_cost_usd: number };
    expect(usage.reduce((n, e) => n + (e.costUsd ?? 0), 0)).toBeCloseTo(last.total_cost_usd, 9);
    // One end, from the last result.
    expect(ofType(events, 'agent.end')).toEqual([
      { type: 'agent.end', ok: true, result: 'The background command finished.', denials: [] },
    ]);
    // A task's start and end are events; other system lines are kept as they were.
    expect(ofType(events, 'agent.task')).toEqual([
      { type: 'agent.task', taskId: 'bhx2dx0yv', state: 'started', description: 'Wait' },
      { type: 'agent.task', taskId: 'a1ab65608ccee92ed', state: 'started', description: 'Survey' },
      {
        type: 'agent.task',
        taskId: 'a1ab65608ccee92ed',
        state: 'completed',
        description: 'Two files.',
      },
      {
        type: 'agent.task',
        taskId: 'bhx2dx0yv',
        state: 'completed',
        description: 'Background command "Wait" completed (exit code 0)',
      },
    ]);
    const raw = ofType(events, 'raw').map((e) => JSON.parse(e.line) as { subtype?: string });
    expect(new Set(raw.map((r) => r.subtype))).toEqual(
      new Set(['background_tasks_changed', 'task_updated']),
    );
  });

  it('keeps the session id of a resumed conversation, and an unknown line type as raw', () => {
    const events = parse('resumed');
    expect(events[0]).toEqual({ type: 'agent.session', sessionId: sessionOf('edit-and-run') });
    const suggestion = fixtureLines('resumed').find((l) => l.includes('"prompt_suggestion"'));
    expect(suggestion).toBeDefined();
    expect(ofType(events, 'raw')).toEqual([{ type: 'raw', line: suggestion, stream: 'stdout' }]);
    expect(ofType(events, 'agent.end')[0]?.result).toBe('I changed the greeting.');
  });

  it('reports a model API error as an error and a failed end', () => {
    const events = parse('api-error');
    expect(ofType(events, 'agent.text')).toEqual([]);
    expect(ofType(events, 'agent.error')[0]?.message).toMatch(/issue with the selected model/);
    expect(ofType(events, 'agent.usage')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'agent.end', ok: false });
  });

  it('reports API retries, and no end when the CLI was stopped before its result', () => {
    const events = parse('api-retry');
    expect(ofType(events, 'agent.error').map((e) => e.message)).toEqual([
      expect.stringMatching(/^Model API request failed .*retry 1\/10/),
      expect.stringMatching(/retry 2\/10/),
      expect.stringMatching(/retry 3\/10/),
    ]);
    expect(ofType(events, 'agent.end')).toEqual([]);
  });
});

describe('claude code parser, broken input', () => {
  const resultLine = fixtureLines('edit-and-run').at(-1) ?? '';

  it('keeps malformed JSON and non-objects as raw', () => {
    const parser = createClaudeCodeParser();
    for (const text of ['{"type":"assistant","message":', 'Error: spawn failed', '[1]', '42']) {
      expect(parser.line({ text, truncated: false })).toEqual([
        { type: 'raw', line: text, stream: 'stdout' },
      ]);
    }
    expect(parser.end()).toEqual([]);
  });

  it('keeps a truncated line as raw, even one that would parse', () => {
    const parser = createClaudeCodeParser();
    const cut = parser.line({ text: resultLine.slice(0, 300), truncated: true });
    expect(cut).toEqual([expect.objectContaining({ type: 'raw' })]);
    expect(parser.line({ text: resultLine, truncated: true })).toEqual([
      expect.objectContaining({ type: 'raw' }),
    ]);
    // Neither counted as the run's result.
    expect(parser.end()).toEqual([]);
  });

  it('keeps known line types in unknown shapes as raw', () => {
    const parser = createClaudeCodeParser();
    for (const text of [
      '{"type":"assistant"}',
      '{"type":"user","message":{"content":"plain"}}',
      '{"type":"system","subtype":"init"}',
      '{"type":"system","subtype":"compact_boundary"}',
    ]) {
      expect(parser.line({ text, truncated: false }), text).toEqual([
        { type: 'raw', line: text, stream: 'stdout' },
      ]);
    }
  });

  it('reads the blocks it knows in a line and keeps the whole line when one is unknown', () => {
    const parser = createClaudeCodeParser();
    const text = JSON.stringify({
      type: 'assistant',
      message: {
        content: [
          { type: 'thinking', thinking: 'hmm' },
          { type: 'text', text: 'Searching.' },
          { type: 'server_tool_use', id: 'srv_1', name: 'web_search', input: {} },
        ],
      },
    });
    expect(parser.line({ text, truncated: false })).toEqual([
      { type: 'agent.text', text: 'Searching.' },
      { type: 'raw', line: text, stream: 'stdout' },
    ]);
  });

  it('falls back to the running totals of a CLI without per-result model usage', () => {
    const parser = createClaudeCodeParser();
    parser.line({ text: fixtureLines('edit-and-run')[0] ?? '', truncated: false });
    const old = JSON.parse(resultLine) as Record<string, unknown>;
    delete old.model_usage_since_last_result;
    const events = parser.line({ text: JSON.stringify(old), truncated: false });
    expect(events).toEqual([
      {
        type: 'agent.usage',
        model: 'claude-opus-5-5',
        inputTokens: 5 * perTurn.input,
        outputTokens: 5 * perTurn.output,
        cacheReadTokens: 5 * perTurn.cacheRead,
        cacheWriteTokens: 5 * perTurn.cacheWrite,
        costUsd: old.total_cost_usd,
      },
    ]);
    // A second result reports the cost since the first.
    const later = { ...old, total_cost_usd: (old.total_cost_usd as number) + 0.5 };
    expect(parser.line({ text: JSON.stringify(later), truncated: false })[0]).toMatchObject({
      costUsd: expect.closeTo(0.5, 9) as number,
    });
  });
});
