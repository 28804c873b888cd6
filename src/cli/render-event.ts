/**
 * Events for people: one line each (a tool call with its file or command, a command with
 * its exit code), agent text as it is, control sequences stripped so an agent cannot
 * rewrite the user's terminal. Lifecycle events and the gateway's metered usage, which the
 * summary covers, are left out.
 */
import { describeEvent, type CorralEvent } from '../events/index.js';
import { stripControl } from './output.js';

export function renderEvent(event: CorralEvent): string | null {
  switch (event.type) {
    case 'instance.created':
    case 'instance.started':
    case 'process.exited':
    case 'bring-back.done':
    case 'instance.ended':
    case 'agent.session':
    case 'gateway.usage':
      return null;
    case 'agent.tool-result':
      return event.ok ? null : stripControl(`  ${describeEvent(event)}`);
    case 'agent.text':
      return stripControl(event.text);
    case 'agent.tool-call':
    case 'agent.command':
    case 'agent.file-change':
    case 'agent.usage':
    case 'agent.error':
    case 'agent.end':
    case 'bring-back.failed':
    case 'egress':
    case 'gateway.denied':
    case 'request.opened':
    case 'request.answered':
    case 'raw':
      return stripControl(`  ${describeEvent(event)}`);
  }
}
