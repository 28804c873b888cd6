/**
 * Gemini CLI: headless `gemini -p … --output-format stream-json` (`-y` approves every tool:
 * the sandbox, not the CLI, is the fence), interactive `gemini`, with its own home under
 * the state dir (`gemini-config.ts`). Its JSONL events: `init`
 * (session id, model), `message` (role, content, delta), `tool_use` (tool_name, tool_id,
 * parameters), `tool_result` (tool_id, status, output), `error`, `result` (status, stats).
 */
import type { AgentAdapter, AgentEvent } from '../agent.js';
import { num, parseJsonObject, rawEvent, str } from '../raw-event.js';
import { geminiHomeDir, renderGeminiSettings } from './gemini-config.js';

const fileTools = new Set(['write_file', 'replace', 'edit', 'edit_file']);
const shellTools = new Set(['run_shell_command', 'shell']);

function targetOf(tool: string, params: Record<string, unknown>): string | null {
  if (shellTools.has(tool)) return str(params.command);
  return (
    str(params.file_path) ??
    str(params.absolute_path) ??
    str(params.path) ??
    str(params.dir_path) ??
    null
  );
}

function createGeminiParser() {
  const calls = new Map<string, { tool: string; params: Record<string, unknown> }>();
  let text = '';
  const flushText = (): AgentEvent[] => {
    if (!text) return [];
    const out: AgentEvent[] = [{ type: 'agent.text', text }];
    text = '';
    return out;
  };
  const toEvents = (o: Record<string, unknown>): AgentEvent[] | undefined => {
    switch (o.type) {
      case 'init': {
        const id = str(o.session_id) ?? str(o.sessionId);
        return id ? [{ type: 'agent.session', sessionId: id }] : [];
      }
      case 'message':
        if (o.role !== 'assistant') return [];
        if (o.delta === true) {
          text += str(o.content) ?? '';
          return [];
        }
        return [...flushText(), { type: 'agent.text', text: str(o.content) ?? '' }];
      case 'tool_use': {
        const tool = str(o.tool_name) ?? 'tool';
        const params = (
          o.parameters && typeof o.parameters === 'object' ? o.parameters : {}
        ) as Record<string, unknown>;
        const callId = str(o.tool_id);
        if (callId) calls.set(callId, { tool, params });
        return [
          ...flushText(),
          { type: 'agent.tool-call', callId, tool, input: params, target: targetOf(tool, params) },
        ];
      }
      case 'tool_result': {
        const callId = str(o.tool_id);
        const ok = o.status === 'success';
        const output =
          str(o.output) ?? str((o.error as Record<string, unknown> | undefined)?.message) ?? '';
        const events: AgentEvent[] = [{ type: 'agent.tool-result', callId, ok, output }];
        const call = callId ? calls.get(callId) : undefined;
        if (call && shellTools.has(call.tool)) {
          // stream-json reports "success" for a command that exited non-zero, and leaves
          // the exit code out of the output: unknown unless the output says it.
          const code = /Exit Code: (\d+)/.exec(output)?.[1];
          events.push({
            type: 'agent.command',
            command: str(call.params.command) ?? '',
            exitCode: code ? Number(code) : null,
            output,
          });
        }
        if (call && ok && fileTools.has(call.tool)) {
          const path = targetOf(call.tool, call.params);
          if (path)
            events.push({
              type: 'agent.file-change',
              path,
              change: call.tool === 'write_file' ? 'add' : 'modify',
            });
        }
        return events;
      }
      case 'error':
        return [{ type: 'agent.error', message: str(o.message) ?? 'error' }];
      case 'result': {
        const stats = (o.stats && typeof o.stats === 'object' ? o.stats : {}) as Record<
          string,
          unknown
        >;
        return [
          ...flushText(),
          {
            type: 'agent.usage',
            model: null,
            inputTokens: num(stats.input_tokens ?? stats.inputTokens),
            outputTokens: num(stats.output_tokens ?? stats.outputTokens),
            cacheReadTokens: num(stats.cached ?? stats.cached_tokens),
            cacheWriteTokens: 0,
            costUsd: null,
          },
          { type: 'agent.end', ok: o.status === 'success', result: null, denials: [] },
        ];
      }
      default:
        return undefined;
    }
  };
  return {
    line(line: Parameters<typeof rawEvent>[0]): AgentEvent[] {
      const o = parseJsonObject(line);
      return (o && toEvents(o)) ?? [rawEvent(line)];
    },
    end: flushText,
  };
}

export const geminiAgent: AgentAdapter = {
  name: 'gemini',
  binary: 'gemini',
  credentials: [['GEMINI_API_KEY']],
  endpointVars: ['GOOGLE_GEMINI_BASE_URL'],
  needsNetwork: true,
  apiHosts: ['generativelanguage.googleapis.com'],
  launch(request) {
    const argv = ['gemini'];
    if (!request.interactive) argv.push('--output-format', 'stream-json', '-y');
    if (request.sessionId) argv.push('--resume', request.sessionId);
    // Pinned, it asks for no other model: the `auto` router's small model is not used.
    if (request.model) argv.push('--model', request.model);
    argv.push(...request.args);
    // Gemini has no flag that adds to its system prompt (GEMINI_SYSTEM_MD replaces it), so
    // the context leads the task; in a terminal session it is the first message.
    const task = [request.context, request.prompt]
      .filter((t): t is string => Boolean(t))
      .join('\n\n');
    if (!request.interactive && task) argv.push('-p', task);
    if (request.interactive && task) argv.push('--prompt-interactive', task);
    // The sandbox is the fence: trust the workspace so -y is not turned back into prompts.
    return {
      argv,
      env: {
        GEMINI_CLI_TRUST_WORKSPACE: 'true',
        GEMINI_CLI_HOME: `${request.stateDir}/${geminiHomeDir}`,
      },
      files: [{ path: `${geminiHomeDir}/.gemini/settings.json`, content: renderGeminiSettings() }],
    };
  },
  createParser: createGeminiParser,
};
