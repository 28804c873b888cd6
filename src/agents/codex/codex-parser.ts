/**
 * Reads `codex exec --json` output (Codex 0.169) into corral's events. The lines:
 * `thread.started` (the session id), `turn.started`, `item.started` / `item.updated` /
 * `item.completed` for each item of the turn, `turn.completed` (usage) or `turn.failed`,
 * and `error` (a retry notice or the error that fails the turn). Items: `agent_message`,
 * `reasoning`, `command_execution` (command, output, exit code), `file_change` (paths and
 * kinds), `mcp_tool_call`, `web_search`, `todo_list`, `error`.
 *
 * Choices: a command or patch becomes a tool call when it starts (so a live view shows it
 * running) and its outcome when it completes; reasoning summaries are left out of the
 * events (they are not the agent speaking, and `output.log` keeps them); usage is made
 * disjoint like the other agents' (OpenAI counts cached input inside `input_tokens`,
 * corral counts it once, as a cache read). Codex's usage is the thread's running total,
 * so a resumed session's includes the earlier runs. Anything else — an unknown line or
 * item type, malformed or cut JSON — is kept as `raw`.
 */
import type { AgentEvent, OutputParser } from '../agent.js';
import type { Line } from '../../events/line-splitter.js';
import { num, parseJsonObject, rawEvent, str } from '../raw-event.js';
import { unwrapShellCommand } from './unwrap-shell-command.js';

type Json = Record<string, unknown>;

function obj(value: unknown): Json | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

function int(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

const changeKinds = { add: 'add', delete: 'delete', update: 'modify' } as const;

function changeOf(kind: unknown): 'add' | 'delete' | 'modify' | null {
  return typeof kind === 'string' && kind in changeKinds
    ? changeKinds[kind as keyof typeof changeKinds]
    : null;
}

function changesOf(item: Json): Array<{ path: string; kind: unknown }> {
  const changes = Array.isArray(item.changes) ? item.changes : [];
  return changes.flatMap((c) => {
    const o = obj(c);
    const path = o ? str(o.path) : null;
    return o && path ? [{ path, kind: o.kind }] : [];
  });
}

/** The text of an MCP tool result (`content` blocks) or its error. */
function mcpOutput(item: Json): string {
  const error = obj(item.error);
  if (error) return str(error.message) ?? JSON.stringify(error);
  const result = obj(item.result);
  const content = result && Array.isArray(result.content) ? result.content : [];
  const text = content.map((c) => str(obj(c)?.text) ?? '').join('');
  return text || (result ? JSON.stringify(result) : '');
}

export function createCodexParser(): OutputParser {
  /** Items whose tool call was already announced (at `item.started`). */
  const announced = new Set<string>();
  let lastMessage: string | null = null;
  let lastError: string | null = null;
  let underway = false;
  let ended = false;

  const once = (id: string | null, call: () => AgentEvent): AgentEvent[] => {
    if (id !== null && announced.has(id)) return [];
    if (id !== null) announced.add(id);
    return [call()];
  };

  const error = (message: string): AgentEvent => {
    lastError = message;
    return { type: 'agent.error', message };
  };

  const itemEvents = (phase: string, item: Json): AgentEvent[] | undefined => {
    const id = str(item.id);
    const done = phase === 'item.completed';
    switch (item.type) {
      case 'agent_message': {
        const text = str(item.text);
        if (text === null) return undefined;
        if (!done) return [];
        lastMessage = text;
        return [{ type: 'agent.text', text }];
      }
      case 'reasoning':
        return [];
      case 'command_execution': {
        const raw = str(item.command);
        if (raw === null) return undefined;
        const command = unwrapShellCommand(raw);
        const call = once(id, () => ({
          type: 'agent.tool-call',
          callId: id,
          tool: 'shell',
          input: { command: raw },
          target: command,
        }));
        if (!done) return call;
        return [
          ...call,
          {
            type: 'agent.command',
            command,
            exitCode: int(item.exit_code),
            output: str(item.aggregated_output),
          },
        ];
      }
      case 'file_change': {
        const changes = changesOf(item);
        const call = once(id, () => ({
          type: 'agent.tool-call',
          callId: id,
          tool: 'apply_patch',
          input: { changes: item.changes },
          target: changes.length === 1 ? (changes[0]?.path ?? null) : `${changes.length} files`,
        }));
        if (!done) return call;
        if (item.status === 'failed')
          return [...call, error(`apply_patch failed on ${changes.map((c) => c.path).join(', ')}`)];
        return [
          ...call,
          ...changes.map((c): AgentEvent => ({
            type: 'agent.file-change',
            path: c.path,
            change: changeOf(c.kind),
          })),
        ];
      }
      case 'mcp_tool_call': {
        const tool = `${str(item.server) ?? 'mcp'}.${str(item.tool) ?? 'tool'}`;
        const call = once(id, () => ({
          type: 'agent.tool-call',
          callId: id,
          tool,
          input: item.arguments ?? null,
          target: null,
        }));
        if (!done) return call;
        const ok = item.status === 'completed' && !obj(item.error);
        return [...call, { type: 'agent.tool-result', callId: id, ok, output: mcpOutput(item) }];
      }
      case 'web_search':
        return once(id, () => ({
          type: 'agent.tool-call',
          callId: id,
          tool: 'web_search',
          input: { query: item.query ?? null },
          target: str(item.query),
        }));
      case 'todo_list':
        // The plan as it stands, each time it changes.
        return done
          ? []
          : [
              {
                type: 'agent.tool-call',
                callId: id,
                tool: 'todo_list',
                input: { items: item.items ?? [] },
                target: null,
              },
            ];
      case 'error': {
        const message = str(item.message);
        return message === null ? undefined : [error(message)];
      }
      default:
        return undefined;
    }
  };

  const toEvents = (o: Json): AgentEvent[] | undefined => {
    switch (o.type) {
      case 'thread.started': {
        const sessionId = str(o.thread_id);
        if (sessionId === null) return undefined;
        underway = true;
        return [{ type: 'agent.session', sessionId }];
      }
      case 'turn.started':
        underway = true;
        return [];
      case 'item.started':
      case 'item.updated':
      case 'item.completed': {
        const item = obj(o.item);
        return item ? itemEvents(o.type, item) : undefined;
      }
      case 'turn.completed': {
        const usage = obj(o.usage);
        ended = true;
        const cached = num(usage?.cached_input_tokens);
        const usageEvents: AgentEvent[] = usage
          ? [
              {
                type: 'agent.usage',
                model: null,
                inputTokens: Math.max(0, num(usage.input_tokens) - cached),
                outputTokens: num(usage.output_tokens),
                cacheReadTokens: cached,
                cacheWriteTokens: num(usage.cache_write_input_tokens),
                costUsd: null,
              },
            ]
          : [];
        return [...usageEvents, { type: 'agent.end', ok: true, result: lastMessage, denials: [] }];
      }
      case 'turn.failed': {
        const message = str(obj(o.error)?.message) ?? 'the turn failed';
        ended = true;
        return [
          ...(message === lastError ? [] : [error(message)]),
          { type: 'agent.end', ok: false, result: null, denials: [] },
        ];
      }
      case 'error': {
        const message = str(o.message);
        return message === null ? undefined : [error(message)];
      }
      default:
        return undefined;
    }
  };

  return {
    line(line: Line): AgentEvent[] {
      const o = parseJsonObject(line);
      return (o && toEvents(o)) ?? [rawEvent(line)];
    },
    end(): AgentEvent[] {
      // Output that stops mid-turn (killed, crashed) did not end well.
      if (!underway || ended) return [];
      ended = true;
      return [{ type: 'agent.end', ok: false, result: null, denials: [] }];
    },
  };
}
