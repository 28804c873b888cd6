/**
 * Reads Claude Code's `--output-format stream-json --verbose` lines into corral's events.
 * What the CLI prints (measured on 2.1.332):
 *
 *   system/init          session id, model            → agent.session
 *   assistant            one line per content block:
 *                        text / tool_use              → agent.text / agent.tool-call
 *                        an API error turned into text → agent.error
 *   user                 tool_result blocks           → agent.tool-result, and for Bash an
 *                        agent.command, for Write/Edit/MultiEdit/NotebookEdit an agent.file-change
 *   system/permission_denied                          → agent.error (the tool did not run)
 *   system/api_retry                                  → agent.error (the API is failing)
 *   system/task_started, task_notification            → agent.task (a background task or
 *                                                      subagent started, or ended)
 *   result               per turn: usage, cost, result text, permission_denials
 *
 * A `result` line gives `agent.usage` at once, one per model, counting only what was used
 * since the previous result (`model_usage_since_last_result`; subagents included): a run
 * with a background task prints a second result, and a resumed session reports its
 * cumulative cost in `total_cost_usd`, so these deltas are what can be summed. The single
 * `agent.end` comes when the output ends, from the last result, with every permission
 * denial of the run: in `-p` mode a denied Edit or Bash still ends in "success" (exit 0),
 * and the result's `permission_denials` is the one place that lists them all. A
 * refused call gets no agent.command or agent.file-change: it never ran. Anything else —
 * other system lines, malformed or truncated lines — is kept as `raw`.
 */
import type { Line } from '../../events/line-splitter.js';
import type { AgentEvent, OutputParser } from '../agent.js';
import { num, parseJsonObject, rawEvent, str } from '../raw-event.js';
import {
  fileTools,
  getBashExitCode,
  getBashOutput,
  getFileChange,
  getToolTarget,
  shellTool,
  type ToolInput,
} from './claude-code-tools.js';

type Obj = Record<string, unknown>;

interface Call {
  tool: string;
  input: ToolInput;
}

interface Ending {
  ok: boolean;
  result: string | null;
}

function isObj(value: unknown): value is Obj {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** The text of a tool_result's `content`: a string, or blocks of which text is kept. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => {
      if (!isObj(block)) return '';
      return block.type === 'text' ? (str(block.text) ?? '') : `[${str(block.type) ?? 'block'}]`;
    })
    .join('\n');
}

class ClaudeCodeParser implements OutputParser {
  private sessionId: string | null = null;
  private model: string | null = null;
  private readonly calls = new Map<string, Call>();
  /** Tool uses Claude Code refused to run, by tool_use_id. */
  private readonly refused = new Set<string>();
  /** Denials for `agent.end`, by tool_use_id (or text when there is none), in order. */
  private readonly denials = new Map<string, string>();
  private ending: Ending | null = null;
  private costSoFar = 0;

  line(line: Line): AgentEvent[] {
    const o = parseJsonObject(line);
    const events = o ? this.read(o, line) : undefined;
    return events ?? [rawEvent(line)];
  }

  end(): AgentEvent[] {
    if (!this.ending) return [];
    return [{ type: 'agent.end', ...this.ending, denials: [...this.denials.values()] }];
  }

  /** Events for one parsed line; undefined when the line is not understood (kept raw). */
  private read(o: Obj, line: Line): AgentEvent[] | undefined {
    switch (o.type) {
      case 'system':
        return this.system(o);
      case 'assistant':
        return this.assistant(o, line);
      case 'user':
        return this.user(o, line);
      case 'result':
        return this.result(o);
      default:
        return undefined;
    }
  }

  private system(o: Obj): AgentEvent[] | undefined {
    switch (o.subtype) {
      case 'init': {
        const id = str(o.session_id);
        if (!id) return undefined;
        this.model = str(o.model) ?? this.model;
        if (id === this.sessionId) return [];
        this.sessionId = id;
        return [{ type: 'agent.session', sessionId: id }];
      }
      case 'permission_denied': {
        const tool = str(o.tool_name) ?? 'a tool';
        const id = str(o.tool_use_id);
        if (id) this.refused.add(id);
        const message = str(o.message);
        return [
          {
            type: 'agent.error',
            message: `Claude Code refused ${tool}${message ? `: ${message}` : ''}`,
          },
        ];
      }
      case 'api_retry': {
        const status =
          typeof o.error_status === 'number'
            ? `HTTP ${o.error_status}`
            : (str(o.error) ?? 'no response');
        const attempt = `${num(o.attempt)}/${num(o.max_retries)}`;
        return [
          {
            type: 'agent.error',
            message: `Model API request failed (${status}); retry ${attempt} in ${num(o.retry_delay_ms)} ms`,
          },
        ];
      }
      case 'task_started':
      case 'task_notification': {
        const taskId = str(o.task_id);
        if (!taskId) return undefined;
        const started = o.subtype === 'task_started';
        const description = started
          ? (str(o.description) ?? str(o.prompt) ?? '')
          : (str(o.summary) ?? '');
        const state = started ? 'started' : (str(o.status) ?? 'ended');
        return [{ type: 'agent.task', taskId, state, description }];
      }
      default:
        return undefined;
    }
  }

  private assistant(o: Obj, line: Line): AgentEvent[] | undefined {
    const message = o.message;
    if (!isObj(message) || !Array.isArray(message.content)) return undefined;
    const apiError = o.is_api_error_message === true || typeof o.error === 'string';
    const events: AgentEvent[] = [];
    let understood = true;
    for (const block of message.content) {
      if (!isObj(block)) {
        understood = false;
        continue;
      }
      if (block.type === 'text') {
        const text = str(block.text) ?? '';
        if (apiError) events.push({ type: 'agent.error', message: text || String(o.error) });
        else if (text) events.push({ type: 'agent.text', text });
      } else if (block.type === 'tool_use') {
        const tool = str(block.name) ?? 'tool';
        const input = isObj(block.input) ? block.input : {};
        const callId = str(block.id);
        if (callId) this.calls.set(callId, { tool, input });
        events.push({
          type: 'agent.tool-call',
          callId,
          tool,
          input: block.input ?? null,
          target: getToolTarget(tool, input),
        });
      } else if (block.type !== 'thinking' && block.type !== 'redacted_thinking') {
        // Thinking is the model's scratch work, not an action: it has no event. Anything
        // else (server tools, new block types) is not understood.
        understood = false;
      }
    }
    // A line understood only in part is also kept whole, so nothing it carried is lost.
    if (!understood) return events.length ? [...events, rawEvent(line)] : undefined;
    return events;
  }

  private user(o: Obj, line: Line): AgentEvent[] | undefined {
    const message = o.message;
    if (!isObj(message) || !Array.isArray(message.content)) return undefined;
    const events: AgentEvent[] = [];
    let understood = true;
    for (const block of message.content) {
      if (!isObj(block) || block.type !== 'tool_result') {
        understood = false;
        continue;
      }
      events.push(...this.toolResult(block, o));
    }
    // A line understood only in part is also kept whole, so nothing it carried is lost.
    if (!understood) return events.length ? [...events, rawEvent(line)] : undefined;
    return events;
  }

  private toolResult(block: Obj, line: Obj): AgentEvent[] {
    const callId = str(block.tool_use_id);
    const isError = block.is_error === true;
    const output = contentText(block.content);
    const events: AgentEvent[] = [{ type: 'agent.tool-result', callId, ok: !isError, output }];
    const call = callId ? this.calls.get(callId) : undefined;
    if (!call || !callId || this.wasRefused(callId, line)) return events;
    const details = line.tool_use_result;
    if (call.tool === shellTool) {
      events.push({
        type: 'agent.command',
        command: str(call.input.command) ?? '',
        exitCode: getBashExitCode(isError, output, details),
        output: getBashOutput(output, details),
      });
    } else if (fileTools.has(call.tool) && !isError) {
      const path =
        (isObj(details) ? str(details.filePath) : null) ?? getToolTarget(call.tool, call.input);
      if (path) {
        events.push({ type: 'agent.file-change', path, change: getFileChange(call.tool, details) });
      }
    }
    return events;
  }

  /** A refused call never ran: it is named by a permission_denied line or the result's metadata. */
  private wasRefused(callId: string, line: Obj): boolean {
    if (this.refused.has(callId)) return true;
    const meta = Array.isArray(line.tool_result_meta) ? line.tool_result_meta : [];
    return meta.some((m) => {
      if (!isObj(m) || m.id !== callId) return false;
      const decision = isObj(m.permission_decision) ? m.permission_decision.decision : undefined;
      return typeof m.non_execution_kind === 'string' || decision === 'reject';
    });
  }

  private result(o: Obj): AgentEvent[] {
    this.ending = {
      ok: o.is_error !== true && (o.subtype === undefined || o.subtype === 'success'),
      result: str(o.result),
    };
    if (Array.isArray(o.permission_denials)) {
      for (const d of o.permission_denials) {
        if (!isObj(d)) continue;
        const tool = str(d.tool_name) ?? 'tool';
        const target = getToolTarget(tool, isObj(d.tool_input) ? d.tool_input : {});
        const text = target ? `${tool} ${target}` : tool;
        this.denials.set(str(d.tool_use_id) ?? text, text);
      }
    }
    const errors: AgentEvent[] = Array.isArray(o.errors)
      ? o.errors.map((e) => ({
          type: 'agent.error',
          message: typeof e === 'string' ? e : JSON.stringify(e),
        }))
      : [];
    return [...errors, ...this.usage(o)];
  }

  private usage(o: Obj): AgentEvent[] {
    const perModel = o.model_usage_since_last_result;
    if (isObj(perModel)) {
      const events: AgentEvent[] = [];
      for (const [model, u] of Object.entries(perModel)) {
        if (!isObj(u)) continue;
        events.push({
          type: 'agent.usage',
          model,
          inputTokens: num(u.inputTokens),
          outputTokens: num(u.outputTokens),
          cacheReadTokens: num(u.cacheReadInputTokens),
          cacheWriteTokens: num(u.cacheCreationInputTokens),
          costUsd: typeof u.costUSD === 'number' ? num(u.costUSD) : null,
        });
      }
      return events;
    }
    // Older CLIs: `usage` covers the turns since the last result; the cost is a running total.
    const u = o.usage;
    if (!isObj(u)) return [];
    const total = typeof o.total_cost_usd === 'number' ? num(o.total_cost_usd) : null;
    const cost = total === null ? null : Math.max(0, total - this.costSoFar);
    if (total !== null) this.costSoFar = total;
    return [
      {
        type: 'agent.usage',
        model: this.model,
        inputTokens: num(u.input_tokens),
        outputTokens: num(u.output_tokens),
        cacheReadTokens: num(u.cache_read_input_tokens),
        cacheWriteTokens: num(u.cache_creation_input_tokens),
        costUsd: cost,
      },
    ];
  }
}

export function createClaudeCodeParser(): OutputParser {
  return new ClaudeCodeParser();
}
