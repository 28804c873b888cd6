/**
 * The conformance suite every agent adapter passes: a launch that names its CLI, and a
 * parser that survives whatever a CLI (or a hostile command) prints — malformed JSON,
 * binary junk, invalid UTF-8, ANSI escapes, a line cut at the size limit — keeping every
 * such line as a `raw` event rather than throwing or dropping it.
 */
import { describe, expect, it } from 'vitest';
import type { AgentAdapter, LaunchRequest } from './agent.js';

const request: LaunchRequest = {
  prompt: 'fix the failing test',
  interactive: false,
  args: ['true'],
  sessionId: null,
  context: null,
  workdir: '/workspace',
  stateDir: '/workspace/.git/corral',
};

const hostile = [
  '{"type":',
  'not json at all',
  '\u001b[2J\u001b[31mred\u001b[0m',
  '\ufffd\ufffd binary \u0000 junk',
  '{"type":"no-such-event-type","x":1}',
  '[1,2,3]',
  'null',
];

export function describeAgentContract(adapter: AgentAdapter): void {
  describe(`agent contract: ${adapter.name}`, () => {
    it('launches its CLI headless and interactive', () => {
      const headless = adapter.launch(request);
      expect(headless.argv.length).toBeGreaterThan(0);
      if (adapter.binary) expect(headless.argv[0]).toBe(adapter.binary);
      const interactive = adapter.launch({ ...request, prompt: null, interactive: true });
      expect(interactive.argv.length).toBeGreaterThan(0);
      for (const f of [...headless.files, ...interactive.files])
        expect(f.path.startsWith('/')).toBe(false);
    });

    it('keeps what it cannot read as raw events, never throwing', () => {
      const parser = adapter.createParser();
      for (const text of hostile) {
        const events = parser.line({ text, truncated: false });
        expect(events.length, text).toBeGreaterThan(0);
        for (const e of events) {
          if (e.type === 'raw') expect(e.line).toContain(text.slice(0, 5));
        }
      }
      const cut = parser.line({
        text: '{"type":"result","result":"' + 'x'.repeat(1000),
        truncated: true,
      });
      expect(cut).toEqual([expect.objectContaining({ type: 'raw' })]);
      expect(Array.isArray(parser.end())).toBe(true);
    });

    it('declares what it needs from the host', () => {
      for (const set of adapter.credentials) expect(set.length).toBeGreaterThan(0);
      if (adapter.endpointVars.length > 0) expect(adapter.needsNetwork).toBe(true);
    });
  });
}
