/**
 * The fake agent: a scripted stand-in for a coding agent, for demos and tests. Its
 * "prompt" is a small script, one step a line:
 *
 *   say <text>            the agent says something
 *   write <path> <text>   writes a file (text ends with a newline)
 *   append <path> <text>  appends a line to a file
 *   run <command>         runs a shell command and reports its exit code
 *   fail <text>           reports an error and ends unsuccessfully
 *
 * It runs inside the sandbox as a POSIX sh script (the base image has no Node), prints one
 * JSON line per step, and its parser turns those into events like a real agent's.
 */
import type { AgentAdapter, AgentEvent } from '../agent.js';
import { num, parseJsonObject, rawEvent, str } from '../raw-event.js';

const runner = String.raw`
set -u
json() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' | awk 'BEGIN{ORS=""} NR>1{print "\\n"} {print}'; }
word1() { printf '%s' "$1" | cut -d' ' -f1; }
after1() { printf '%s' "$1" | cut -s -d' ' -f2-; }
steps=0
ok=true
while IFS= read -r line || [ -n "$line" ]; do
  verb=$(word1 "$line"); rest=$(after1 "$line")
  case "$verb" in
    say) printf '{"type":"text","text":"%s"}
' "$(json "$rest")" ;;
    write|append)
      path=$(word1 "$rest"); text=$(after1 "$rest")
      mkdir -p "$(dirname "$path")"
      if [ "$verb" = write ]; then printf '%s
' "$text" > "$path"; else printf '%s
' "$text" >> "$path"; fi
      printf '{"type":"file","tool":"%s","path":"%s"}
' "$verb" "$(json "$path")" ;;
    run)
      out=$(sh -c "$rest" 2>&1); code=$?
      printf '{"type":"command","command":"%s","exit":%d,"output":"%s"}
' "$(json "$rest")" "$code" "$(json "$out")" ;;
    fail) printf '{"type":"error","message":"%s"}
' "$(json "$rest")"; ok=false; break ;;
    "") continue ;;
    *) printf '{"type":"error","message":"unknown step: %s"}
' "$(json "$verb")"; ok=false; break ;;
  esac
  steps=$((steps + 1))
done <<CORRAL_FAKE_SCRIPT
$CORRAL_FAKE_SCRIPT
CORRAL_FAKE_SCRIPT
printf '{"type":"usage","input":%d,"output":%d}
' $((steps * 100)) $((steps * 10))
printf '{"type":"end","ok":%s}
' "$ok"
[ "$ok" = true ]
`;

function escapeControlCharacters(line: string): string {
  return line.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function toEvents(o: Record<string, unknown>): AgentEvent[] | undefined {
  switch (o.type) {
    case 'text':
      return [{ type: 'agent.text', text: str(o.text) ?? '' }];
    case 'file': {
      const path = str(o.path) ?? '';
      return [
        {
          type: 'agent.tool-call',
          callId: null,
          tool: str(o.tool) ?? 'write',
          input: { path },
          target: path,
        },
        { type: 'agent.file-change', path, change: o.tool === 'write' ? 'add' : 'modify' },
      ];
    }
    case 'command': {
      const command = str(o.command) ?? '';
      return [
        { type: 'agent.tool-call', callId: null, tool: 'run', input: { command }, target: command },
        {
          type: 'agent.command',
          command,
          exitCode: typeof o.exit === 'number' ? o.exit : null,
          output: str(o.output),
        },
      ];
    }
    case 'error':
      return [{ type: 'agent.error', message: str(o.message) ?? 'error' }];
    case 'usage':
      return [
        {
          type: 'agent.usage',
          model: 'fake',
          inputTokens: num(o.input),
          outputTokens: num(o.output),
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          costUsd: 0,
        },
      ];
    case 'end':
      return [{ type: 'agent.end', ok: o.ok === true, result: null, denials: [] }];
    default:
      return undefined;
  }
}

export const fakeAgent: AgentAdapter = {
  name: 'fake',
  binary: 'sh',
  credentials: [],
  endpointVars: [],
  needsNetwork: false,
  launch(request) {
    return {
      argv: ['sh', '-c', runner, 'corral-fake-agent'],
      env: { CORRAL_FAKE_SCRIPT: request.prompt ?? '' },
      files: [],
    };
  },
  createParser() {
    return {
      line(line) {
        // The script's sh escapes quotes, backslashes, tabs and newlines but not other
        // control characters (an ESC the prompt carried), which JSON forbids raw.
        const o = parseJsonObject({ ...line, text: escapeControlCharacters(line.text) });
        return (o && toEvents(o)) ?? [rawEvent(line)];
      },
      end: () => [],
    };
  },
};
