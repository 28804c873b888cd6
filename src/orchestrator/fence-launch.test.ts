import { describe, expect, it } from 'vitest';
import { getAgent } from '../agents/index.js';
import { getInstancePaths } from '../state/index.js';
import { fencePlaceholderKey } from '../agents/placeholder-key.js';
import { planFence } from './fence-launch.js';

const paths = getInstancePaths('/home/me/.corral', 'claude-k3x9q');
/** A backend whose egress is a gateway sidecar, with docker's ports. */
const sidecar = {
  hostAlias: 'host.docker.internal',
  egress: {
    kind: 'sidecar' as const,
    modelEndpoint: (api: 'anthropic' | 'openai' | 'google') =>
      `http://gateway:${{ anthropic: 8081, openai: 8082, google: 8083 }[api]}`,
  },
};

describe('planFence', () => {
  it('points claude at the gateway and gives the real key only to the fence', () => {
    const f = planFence(
      getAgent('claude'),
      paths,
      {
        ANTHROPIC_API_KEY: 'sk-ant-real',
        ANTHROPIC_BASE_URL: 'http://models:8080',
      },
      sidecar,
    );
    expect(f.endpoints).toEqual({ ANTHROPIC_BASE_URL: 'http://gateway:8081' });
    expect(f.credentials).toEqual({ ANTHROPIC_API_KEY: fencePlaceholderKey });
    expect(f.secrets).toEqual(['sk-ant-real']);
    expect(f.fence).toEqual({
      stateDir: paths.dir,
      policyDir: '/home/me/.corral/instances/claude-k3x9q/policy',
      models: [
        {
          api: 'anthropic',
          upstream: 'http://models:8080',
          keyEnv: 'ANTHROPIC_API_KEY',
          pathPrefix: '',
        },
      ],
      secrets: { ANTHROPIC_API_KEY: 'sk-ant-real' },
    });
  });

  it('keeps the OpenAI path on the agent side and the public API by default', () => {
    const f = planFence(getAgent('codex'), paths, { OPENAI_API_KEY: 'sk-proj-real' }, sidecar);
    expect(f.endpoints).toEqual({ OPENAI_BASE_URL: 'http://gateway:8082/v1' });
    expect(f.fence.models).toEqual([
      {
        api: 'openai',
        upstream: 'https://api.openai.com',
        keyEnv: 'OPENAI_API_KEY',
        pathPrefix: '/v1',
      },
    ]);
    expect(JSON.stringify({ ...f.endpoints, ...f.credentials })).not.toContain('sk-proj-real');
  });

  it('needs a credential, like an unfenced launch', () => {
    expect(() => planFence(getAgent('codex'), paths, {}, sidecar)).toThrow(/needs OPENAI_API_KEY/);
  });

  it("sends the gateway to the host for a model server on the developer's loopback", () => {
    const f = planFence(
      getAgent('claude'),
      paths,
      { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://127.0.0.1:8080/' },
      sidecar,
    );
    expect(f.fence.models[0]?.upstream).toBe('http://host.docker.internal:8080');
    expect(f.endpoints).toEqual({ ANTHROPIC_BASE_URL: 'http://gateway:8081' });
  });

  it('keeps the Gemini key at the gateway too', () => {
    const f = planFence(getAgent('gemini'), paths, { GEMINI_API_KEY: 'AIza-real' }, sidecar);
    expect(f.endpoints).toEqual({ GOOGLE_GEMINI_BASE_URL: 'http://gateway:8083' });
    expect(f.credentials).toEqual({ GEMINI_API_KEY: fencePlaceholderKey });
    expect(f.fence.models).toEqual([
      {
        api: 'google',
        upstream: 'https://generativelanguage.googleapis.com',
        keyEnv: 'GEMINI_API_KEY',
        pathPrefix: '',
      },
    ]);
  });

  it('fences a command with no model API: no models, no secrets', () => {
    const f = planFence(getAgent('shell'), paths, {}, sidecar);
    expect(f.fence.models).toEqual([]);
    expect(f.fence.secrets).toEqual({});
    expect(f.endpoints).toEqual({});
  });
});
