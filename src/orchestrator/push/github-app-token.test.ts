// The GitHub API is a cloud API: it is played here by a loopback stand-in that verifies
// the app's JWT with the public half of a key made for the test.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startGitHubStandIn,
  type GitHubStandIn,
} from '../../../test/helpers/stand-in/github-stand-in.js';
import { mintInstallationToken } from './github-app-token.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const repo = { owner: 'acme', repo: 'widgets' };
let api: GitHubStandIn;

beforeAll(async () => {
  api = await startGitHubStandIn({
    app: {
      id: '4242',
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      installationId: 99,
    },
  });
});
afterAll(() => api.close());

describe('mintInstallationToken', () => {
  it('finds the installation and mints a token scoped to the one repository', async () => {
    const token = await mintInstallationToken(
      {
        kind: 'github-app',
        appId: '4242',
        privateKey: { variable: 'KEY' },
        installationId: null,
      },
      repo,
      // A PEM in a variable often has its newlines written as \n.
      { apiUrl: api.url, pullRequests: true, env: { KEY: privatePem.replace(/\n/g, '\\n') } },
    );
    expect(api.minted.map((m) => m.token)).toEqual([token]);
    expect(api.minted[0]?.body).toEqual({
      repositories: ['widgets'],
      permissions: { contents: 'write', pull_requests: 'write' },
    });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/widgets/installation',
      'POST /app/installations/99/access_tokens',
    ]);
  });

  it('reads the key from a file, and uses a given installation id', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'corral-app-key-')), 'key.pem');
    await writeFile(file, privatePem);
    api.requests.length = 0;
    await mintInstallationToken(
      { kind: 'github-app', appId: '4242', privateKey: { file }, installationId: 99 },
      repo,
      { apiUrl: api.url, pullRequests: false, env: {} },
    );
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /app/installations/99/access_tokens',
    ]);
    expect(api.minted.at(-1)?.body).toMatchObject({ permissions: { contents: 'write' } });
  });

  it('says so when the key is wrong or the app is not installed there', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const source = {
      kind: 'github-app' as const,
      appId: '4242',
      privateKey: { variable: 'KEY' },
      installationId: null,
    };
    await expect(
      mintInstallationToken(source, repo, {
        apiUrl: api.url,
        pullRequests: false,
        env: { KEY: other },
      }),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED', exitCode: 8 });
    await expect(
      mintInstallationToken({ ...source, installationId: 5 }, repo, {
        apiUrl: api.url,
        pullRequests: false,
        env: { KEY: privatePem },
      }),
    ).rejects.toMatchObject({
      code: 'MISSING_CREDENTIAL',
      message: expect.stringMatching(/not installed/) as unknown,
    });
  });
});
