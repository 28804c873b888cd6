/**
 * The conformance suite every agent adapter passes: a launch that names its CLI, and a
 * parser that survives whatever a CLI (or a hostile command) prints — malformed JSON,
 * binary junk, invalid UTF-8, ANSI escapes, a line cut at the size limit — keeping every
 * such line as a `raw` event rather than throwing or dropping it.
 */
import { describe, expect, it } from 'vitest';
import type { AgentAdapter, LaunchRequest } from './agent.js';
import { pickCredentials } from './host-env.js';

const request: LaunchRequest = {
  prompt: 'fix the failing test',
  interactive: false,
  args: ['true'],
  sessionId: null,
  context: null,
  workdir: '/workspace',
  stateDir: '/workspace/.git/corral',
};

/** A host environment full of credentials, every agent's and others'. */
const hostSecrets: Record<string, string> = {
  ANTHROPIC_API_KEY: 'host-anthropic-key-1f2e3d',
  CLAUDE_CODE_OAUTH_TOKEN: 'host-claude-oauth-4c5b6a',
  OPENAI_API_KEY: 'host-openai-key-7d8e9f',
  GEMINI_API_KEY: 'host-gemini-key-0a1b2c',
  GITHUB_TOKEN: 'host-github-token-3d4e5f',
  CORRAL_GIT_TOKEN: 'host-git-token-6a7b8c',
  AWS_SECRET_ACCESS_KEY: 'host-aws-secret-9d0e1f',
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

    it('takes from the host only the credentials it declares (none: nothing at all)', () => {
      expect(Object.keys(pickCredentials(adapter, hostSecrets))).toEqual(
        adapter.credentials[0] ?? [],
      );
    });

    it('launches without reading the host environment: credentials are added by the orchestrator', () => {
      const saved = { ...process.env };
      Object.assign(process.env, hostSecrets);
      let launches: unknown;
      try {
        launches = [
          adapter.launch(request),
          adapter.launch({ ...request, prompt: null, interactive: true }),
        ];
      } finally {
        for (const name of Object.keys(hostSecrets)) {
          if (saved[name] === undefined) delete process.env[name];
          else process.env[name] = saved[name];
        }
      }
      const text = JSON.stringify(launches);
      for (const [name, value] of Object.entries(hostSecrets)) {
        expect(text, name).not.toContain(value);
      }
    });
  });
}
