/**
 * The requests server as `corral-request` talks to it, over real HTTP on loopback: a
 * request is checked, numbered, logged and answered; its status follows the host's
 * answers file; numbering continues after a restart; hostile bodies are refused.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { maxRequests } from './request-record.js';
import { startRequestServer, type RequestServer } from './request-server.js';

let dir: string;
let logPath: string;
let answersPath: string;
let server: RequestServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-requests-'));
  logPath = join(dir, 'requests.log');
  answersPath = join(dir, 'request-answers.json');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<RequestServer> {
  await server?.close();
  server = await startRequestServer({ logPath, answersPath });
  return server;
}

async function send(
  path: string,
  body?: string,
  accept = 'application/json',
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server!.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { accept, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

const ask = (kind: string, name: string, why: string) =>
  send('/requests', JSON.stringify({ kind, name, why }));

describe('the requests server', () => {
  it('numbers requests, logs them canonically, and says they are pending', async () => {
    await start();
    const host = await ask('host', 'Example.TEST', 'to fetch \x1b[31mfixtures\x1b[0m');
    expect(host.status).toBe(201);
    expect(JSON.parse(host.text)).toMatchObject({ id: 1, status: 'pending' });
    const pkg = await send(
      '/requests',
      JSON.stringify({ kind: 'package', name: 'apt:jq', why: 'parse JSON' }),
      'text/plain',
    );
    expect(pkg).toEqual({
      status: 201,
      text: 'request 2 queued (package apt:jq): a person will answer with corral approve/reject; check with: corral-request status 2\n',
    });
    const lines = (await readFile(logPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toMatchObject([
      { n: 1, kind: 'host', name: 'example.test', why: 'to fetch fixtures' },
      { n: 2, kind: 'package', name: 'apt:jq', why: 'parse JSON' },
    ]);
    expect(JSON.parse((await send('/requests/1')).text)).toMatchObject({ status: 'pending' });
  });

  it('follows the answers file, and gives the same number to the same pending request', async () => {
    await start();
    await ask('package', 'apt:jq', 'parse JSON');
    expect(JSON.parse((await ask('package', 'apt:jq', 'again')).text)).toMatchObject({
      id: 1,
      duplicate: true,
    });
    await writeFile(
      answersPath,
      JSON.stringify({
        answers: {
          '1': { decision: 'rejected', at: new Date().toISOString(), by: 'me', reason: 'no' },
        },
      }),
    );
    expect((await send('/requests/1', undefined, 'text/plain')).text).toBe(
      'request 1 (package apt:jq): rejected: no\n',
    );
    // A rejected request may be asked again, with a new number.
    expect(JSON.parse((await ask('package', 'apt:jq', 'please')).text)).toMatchObject({ id: 2 });
    expect((await send('/requests/9')).status).toBe(404);
  });

  it('goes on numbering from the log after a restart', async () => {
    await start();
    await ask('host', 'a.test', 'one');
    await ask('host', 'b.test', 'two');
    await start();
    expect(JSON.parse((await ask('host', 'c.test', 'three')).text)).toMatchObject({ id: 3 });
    const list = JSON.parse((await send('/requests')).text) as { requests: unknown[] };
    expect(list.requests).toHaveLength(3);
  });

  it.each([
    ['not JSON', 'nope', 400],
    ['an unknown kind', JSON.stringify({ kind: 'root', name: 'x', why: 'y' }), 400],
    ['an extra field', JSON.stringify({ kind: 'host', name: 'x.test', why: 'y', n: 7 }), 400],
    ['a bad host', JSON.stringify({ kind: 'host', name: '*', why: 'y' }), 400],
    ['a bad package', JSON.stringify({ kind: 'package', name: "apt:a'b", why: 'y' }), 400],
    ['no reason', JSON.stringify({ kind: 'host', name: 'x.test', why: '\x1b[0m  ' }), 400],
    ['a huge body', JSON.stringify({ kind: 'host', name: 'x.test', why: 'y'.repeat(10_000) }), 413],
  ])('refuses %s', async (_what, body, status) => {
    await start();
    expect((await send('/requests', body)).status).toBe(status);
    expect(await readFile(logPath, 'utf8').catch(() => '')).toBe('');
  });

  it(`stops at ${maxRequests} requests`, async () => {
    await start();
    for (let i = 1; i <= maxRequests; i++) await ask('host', `h${i}.test`, 'many');
    expect((await ask('host', 'one-more.test', 'many')).status).toBe(429);
  });
});
