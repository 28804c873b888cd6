/**
 * The model key, abused from inside the fence. For each API, the real agent CLI (Claude
 * Code, Codex, Gemini CLI) runs fenced in docker with its model pinned, and the scripted
 * model has it run probe.sh with its shell tool: curl, with the placeholder key, at the
 * gateway's model port (no --allow-host needed), trying what a prompt injection would —
 * list and download the account's files, create a batch, an unknown path, a `..` path, an
 * encoded slash, a double slash, another method on an allowed path, a model not allowed.
 * Each must be answered 403 in the API's own error shape, be logged (usage.log, events,
 * the run summary, `corral policy`) and never reach the stand-in, which records all it
 * gets; the positive control, an allowed call from the same script, does reach it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';

const tag = `${process.pid}-scope`;
const marker = 'probe-positive-control-8812';

interface Probe {
  name: string;
  method: string;
  /** Relative to the agent's base URL variable, sent as written (curl --path-as-is). */
  path: string;
  body?: string;
  /** The path the gateway logs for it (the agent's, without the query). */
  logged: string;
}

interface Api {
  api: 'anthropic' | 'openai' | 'google';
  agent: string;
  keyEnv: string;
  key: string;
  baseVar: string;
  model: string;
  /** What the agent's shell tool is told to run, as a script turn of its stand-in. */
  script: unknown[];
  probes: Probe[];
  /** The allowed call, its curl arguments after the URL's path. */
  control: { path: string; args: string };
  /** Whether the body of a 403 answer is in this API's own shape. */
  shaped: (body: unknown) => boolean;
  /** The paths of the calls the stand-in may get (the CLI's own, and the control). */
  allowed: RegExp;
  /** Whether a request the stand-in logged is the control. */
  isControl: (request: Record<string, unknown>) => boolean;
}

const run = 'bash probe.sh > probe.out 2>&1; tail -n 1 probe.out';
const json = (v: unknown) => JSON.stringify(v).replace(/'/g, "'\\''");

function probes(base: string, batch: Probe, other: Probe[]): Probe[] {
  return [batch, ...other].map((p) => ({ ...p, logged: `${base}${p.logged}` }));
}

const apis: Api[] = [
  {
    api: 'anthropic',
    agent: 'claude',
    keyEnv: 'ANTHROPIC_API_KEY',
    key: 'sk-ant-scope-1a2b3c4d5e6f',
    baseVar: 'ANTHROPIC_BASE_URL',
    model: 'claude-pinned-1',
    script: [
      { toolUse: { name: 'Bash', input: { command: run, description: 'Probe' } } },
      { text: 'Probed.' },
    ],
    probes: probes(
      '',
      {
        name: 'batch-create',
        method: 'POST',
        path: '/v1/messages/batches',
        body: '{"requests":[]}',
        logged: '/v1/messages/batches',
      },
      [
        { name: 'files-list', method: 'GET', path: '/v1/files', logged: '/v1/files' },
        {
          name: 'file-download',
          method: 'GET',
          path: '/v1/files/file_011CNha8/content',
          logged: '/v1/files/file_011CNha8/content',
        },
        {
          name: 'unknown-path',
          method: 'GET',
          path: '/v1/organizations/api_keys',
          logged: '/v1/organizations/api_keys',
        },
        {
          name: 'dot-dot',
          method: 'POST',
          path: '/v1/messages/../files',
          body: '{}',
          logged: '/v1/messages/../files',
        },
        {
          name: 'encoded-slash',
          method: 'POST',
          path: '/v1/messages%2F..%2Ffiles',
          body: '{}',
          logged: '/v1/messages%2F..%2Ffiles',
        },
        {
          name: 'double-slash',
          method: 'POST',
          path: '//v1/messages',
          body: json({ model: 'claude-pinned-1' }),
          logged: '//v1/messages',
        },
        { name: 'other-method', method: 'DELETE', path: '/v1/messages', logged: '/v1/messages' },
        {
          name: 'other-model',
          method: 'POST',
          path: '/v1/messages',
          body: json({
            model: 'claude-opus-expensive',
            max_tokens: 5,
            messages: [{ role: 'user', content: 'hi' }],
          }),
          logged: '/v1/messages',
        },
      ],
    ),
    control: {
      path: '/v1/messages',
      args: `-X POST -d '${json({ model: 'claude-pinned-1', max_tokens: 5, messages: [{ role: 'user', content: marker }] })}'`,
    },
    shaped: (b) =>
      (b as { type?: string; error?: { type?: string } }).error?.type === 'permission_error' &&
      (b as { type?: string }).type === 'error',
    allowed: /^POST \/v1\/messages(\/count_tokens)?$/,
    isControl: (r) =>
      String((r.summary as { lastUserText?: string }).lastUserText).includes(marker),
  },
  {
    api: 'openai',
    agent: 'codex',
    keyEnv: 'OPENAI_API_KEY',
    key: 'sk-proj-scope-6f5e4d3c2b1a',
    baseVar: 'OPENAI_BASE_URL',
    model: 'gpt-pinned-1',
    script: [{ shell: run }, { text: 'Probed.' }],
    probes: probes(
      '/v1',
      {
        name: 'batch-create',
        method: 'POST',
        path: '/batches',
        body: '{"input_file_id":"file-abc"}',
        logged: '/batches',
      },
      [
        { name: 'files-list', method: 'GET', path: '/files', logged: '/files' },
        {
          name: 'file-download',
          method: 'GET',
          path: '/files/file-abc123/content',
          logged: '/files/file-abc123/content',
        },
        {
          name: 'fine-tune',
          method: 'POST',
          path: '/fine_tuning/jobs',
          body: '{}',
          logged: '/fine_tuning/jobs',
        },
        {
          name: 'unknown-path',
          method: 'GET',
          path: '/organization/admin_api_keys',
          logged: '/organization/admin_api_keys',
        },
        {
          name: 'dot-dot',
          method: 'POST',
          path: '/responses/../files',
          body: '{}',
          logged: '/responses/../files',
        },
        {
          name: 'encoded-slash',
          method: 'POST',
          path: '/responses%2F..%2Fbatches',
          body: '{}',
          logged: '/responses%2F..%2Fbatches',
        },
        { name: 'other-method', method: 'GET', path: '/responses', logged: '/responses' },
        {
          name: 'other-model',
          method: 'POST',
          path: '/responses',
          body: json({ model: 'o3-pro-expensive', input: 'hi' }),
          logged: '/responses',
        },
      ],
    ),
    control: {
      path: '/responses',
      args: `-X POST -H 'x-codex-turn-metadata: {"request_kind":"side","thread_source":"${marker}"}' -d '${json({ model: 'gpt-pinned-1', input: 'hi' })}'`,
    },
    shaped: (b) => {
      const e = (b as { error?: { type?: string; code?: string; message?: string } }).error;
      return (
        e?.type === 'invalid_request_error' &&
        e.code === 'permission_denied' &&
        typeof e.message === 'string'
      );
    },
    allowed: /^POST \/v1\/responses$/,
    isControl: (r) => (r.codex as { threadSource?: string }).threadSource === marker,
  },
  {
    api: 'google',
    agent: 'gemini',
    keyEnv: 'GEMINI_API_KEY',
    key: 'AIzaSy-scope-0a9b8c7d6e',
    baseVar: 'GOOGLE_GEMINI_BASE_URL',
    model: 'gemini-pinned-1',
    script: [{ call: 'run_shell_command', args: { command: run } }, { text: 'Probed.' }],
    probes: probes(
      '',
      {
        name: 'batch-create',
        method: 'POST',
        path: '/v1beta/models/gemini-pinned-1:batchGenerateContent',
        body: '{}',
        logged: '/v1beta/models/gemini-pinned-1:batchGenerateContent',
      },
      [
        { name: 'files-list', method: 'GET', path: '/v1beta/files', logged: '/v1beta/files' },
        {
          name: 'file-download',
          method: 'GET',
          path: '/v1beta/files/abc123:download?alt=media',
          logged: '/v1beta/files/abc123:download',
        },
        {
          name: 'unknown-path',
          method: 'POST',
          path: '/v1beta/cachedContents',
          body: '{}',
          logged: '/v1beta/cachedContents',
        },
        {
          name: 'dot-dot',
          method: 'POST',
          path: '/v1beta/models/../files',
          body: '{}',
          logged: '/v1beta/models/../files',
        },
        {
          name: 'encoded-slash',
          method: 'POST',
          path: '/v1beta/models/gemini-pinned-1%2F..%2F..%2Ffiles:generateContent',
          body: '{}',
          logged: '/v1beta/models/gemini-pinned-1%2F..%2F..%2Ffiles:generateContent',
        },
        {
          name: 'other-method',
          method: 'GET',
          path: '/v1beta/models/gemini-pinned-1:generateContent',
          logged: '/v1beta/models/gemini-pinned-1:generateContent',
        },
        {
          name: 'other-model',
          method: 'POST',
          path: '/v1beta/models/gemini-ultra-expensive:generateContent',
          body: '{}',
          logged: '/v1beta/models/gemini-ultra-expensive:generateContent',
        },
      ],
    ),
    control: {
      path: '/v1beta/models/gemini-pinned-1:generateContent',
      args: `-X POST -d '${json({ contents: [{ role: 'user', parts: [{ text: marker }] }] })}'`,
    },
    shaped: (b) => {
      const e = (b as { error?: { code?: number; status?: string; message?: string } }).error;
      return e?.code === 403 && e.status === 'PERMISSION_DENIED' && typeof e.message === 'string';
    },
    allowed:
      /^POST \/v1beta\/models\/gemini-pinned-1:(streamGenerateContent|generateContent|countTokens)$/,
    isControl: (r) =>
      String((r.summary as { lastUserText?: string }).lastUserText).includes(marker),
  },
];

/** The probe script: one line per attempt, `<name> <status> <body>`. */
function probeScript(a: Api): string {
  const auth =
    a.api === 'anthropic' ? 'x-api-key' : a.api === 'google' ? 'x-goog-api-key' : 'authorization';
  const value = a.api === 'openai' ? `Bearer $${a.keyEnv}` : `$${a.keyEnv}`;
  const line = (name: string, args: string, path: string) => `probe ${name} ${args} "$B${path}"`;
  return [
    '#!/bin/bash',
    `B=$${a.baseVar}`,
    `probe() { name=$1; shift; code=$(curl -sS -m 20 --path-as-is -o /tmp/body -w '%{http_code}' -H 'content-type: application/json' -H "${auth}: ${value}" "$@"); echo "$name $code $(head -c 400 /tmp/body | tr '\\n' ' ')"; }`,
    ...a.probes.map((p) =>
      line(p.name, `-X ${p.method}${p.body ? ` -d '${p.body}'` : ''}`, p.path),
    ),
    line('control', a.control.args, a.control.path),
    'echo probe: finished',
    '',
  ].join('\n');
}

interface Outcome {
  id: string;
  status: string;
  branch: string;
  summary: { modelCallsDenied: number };
}

describe('the model key, abused from inside the fence', () => {
  let network: ReturnType<typeof createTestNetwork>;
  const standIns: Array<StandInContainer<Record<string, unknown>>> = [];

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
  });

  afterAll(() => {
    for (const s of standIns) s.close();
    network?.remove();
  });

  it.each(apis)(
    '$agent ($api): every other endpoint is refused in its own shape, logged, and never reaches the API; the allowed call does',
    async (a) => {
      const api = await startModelStandIn<Record<string, unknown>>(a.api, {
        network: network.name,
        tag: `${tag}-${a.api}`,
        script: a.script,
      });
      standIns.push(api);
      const repo = await makeRepo({ 'probe.sh': probeScript(a) });
      const home = await makeHome();
      const r = await corral(
        home,
        ['run', '--agent', a.agent, '--model', a.model, '-p', 'run the probe', '--json'],
        {
          cwd: repo.dir,
          env: {
            CORRAL_DOCKER_NETWORK: network.name,
            [a.baseVar]: a.api === 'openai' ? `${api.url}/v1` : api.url,
            [a.keyEnv]: a.key,
          },
          timeoutMs: 170_000,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      const out = r.json<Outcome>();
      const lines = (repo.show(out.branch, 'probe.out') ?? '').trim().split('\n');
      expect(lines.at(-1)).toBe('probe: finished');
      const byName = new Map(
        lines.map((l) => {
          const [name = '', code = '', ...body] = l.split(' ');
          return [name, { code, body: body.join(' ') }];
        }),
      );

      // Each attempt: a 403 in the API's own error shape, from the gateway, no key in it.
      for (const p of a.probes) {
        const got = byName.get(p.name);
        expect(got?.code, `${p.name}: ${got?.body}`).toBe('403');
        expect(a.shaped(JSON.parse(got?.body ?? 'null')), `${p.name}: ${got?.body}`).toBe(true);
        expect(got?.body).toContain('corral gateway');
        expect(got?.body).not.toContain(a.key);
      }
      // The positive control, from the same script, went through.
      expect(byName.get('control')?.code).toBe('200');

      // The stand-in got the CLI's own calls and the control, and not one of the attempts.
      const received = api.requests();
      expect(received.filter((q) => a.isControl(q))).toHaveLength(1);
      for (const q of received) expect(`${String(q.method)} ${String(q.path)}`).toMatch(a.allowed);
      const model = (q: Record<string, unknown>) => (q.summary as { model?: string }).model;
      expect(received.filter((q) => /expensive/.test(`${String(q.path)} ${model(q)}`))).toEqual([]);

      // Logged: usage.log's refusals became events, the summary counts them, policy lists them.
      const events = await readEvents(home, out.id);
      const refused = events.filter((e) => e.type === 'gateway.denied');
      expect(refused.map((e) => [e.method, e.path]).sort()).toEqual(
        a.probes.map((p) => [p.method, p.logged]).sort(),
      );
      expect(
        refused.find(
          (e) =>
            e.path === a.probes.find((p) => p.name === 'other-model')?.logged &&
            e.reason === 'model',
        ),
      ).toBeDefined();
      expect(out.summary.modelCallsDenied).toBe(a.probes.length);
      const policy = await corral(home, ['policy', out.id, '--json']);
      const refusedCalls = policy.json<{ modelApi: { refused: Array<{ count: number }> } }>()
        .modelApi.refused;
      expect(refusedCalls.reduce((n, c) => n + c.count, 0)).toBe(a.probes.length);
      const text = await corral(home, ['policy', out.id]);
      expect(text.stdout).toContain('model calls refused:');
      expect(text.stdout).toContain(`models: ${a.model} only (calls for others are refused)`);
    },
  );
});
