/**
 * Events for people: one line each (a tool call with its file or command, a command with
 * its exit code), agent text as it is, escape sequences other than colours dropped so an
 * agent cannot drive the user's terminal (events are stored sanitized; older logs may not be). Lifecycle events and the gateway's metered usage, which the
 * summary covers, are left out.
 */
import { describeEvent, type CorralEvent } from '../events/index.js';
import { sanitizeTerminalText } from '../lib/terminal-text.js';

export function renderEvent(event: CorralEvent): string | null {
  switch (event.type) {
    case 'instance.created':
    case 'instance.started':
    case 'instance.removed':
    case 'process.exited':
    case 'bring-back.done':
    case 'instance.ended':
    case 'agent.session':
    case 'gateway.usage':
      return null;
    case 'agent.tool-result':
      return event.ok ? null : sanitizeTerminalText(`  ${describeEvent(event)}`);
    case 'agent.text':
      return sanitizeTerminalText(event.text);
    case 'setup.started':
    case 'setup.ended':
    case 'agent.tool-call':
    case 'agent.command':
    case 'agent.file-change':
    case 'agent.usage':
    case 'agent.error':
    case 'agent.task':
    case 'agent.end':
    case 'bring-back.failed':
    case 'egress':
    case 'gateway.denied':
    case 'request.opened':
    case 'request.answered':
    case 'battle.status':
    case 'battle.contestant':
    case 'battle.budget':
    case 'battle.ranked':
    case 'battle.merged':
      return sanitizeTerminalText(`  ${describeEvent(event)}`);
    case 'raw':
      // A stdout line the adapter did not understand is protocol, not for people: it stays
      // in the events. What the agent CLI said on stderr is shown.
      return event.stream === 'stderr' ? sanitizeTerminalText(`  ${event.line}`) : null;
  }
}
