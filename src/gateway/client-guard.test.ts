import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientGuard, type LookupAll } from './client-guard.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** An echo server on loopback behind `guard`; resolves to what a client got back. */
async function talk(lookup: LookupAll): Promise<{ reply: string; refused: string[] }> {
  const refused: string[] = [];
  const guard = createClientGuard(['agent'], { lookup, onRefused: (a) => refused.push(a) });
  await guard.ready(1000);
  const server = createServer((socket) => socket.pipe(socket));
  server.on('connection', (socket) => guard.check(socket));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const reply = await new Promise<string>((resolve) => {
    let got = '';
    const client = connect(port, '127.0.0.1', () => client.write('hello'));
    client.on('data', (b) => {
      got += b.toString();
      client.end();
    });
    client.on('close', () => resolve(got));
    client.on('error', () => undefined);
  });
  return { reply, refused };
}

describe('createClientGuard', () => {
  it('serves the named client', async () => {
    expect(await talk(() => Promise.resolve(['127.0.0.1']))).toEqual({
      reply: 'hello',
      refused: [],
    });
  });

  it('closes a connection from anyone else before reading it', async () => {
    expect(await talk(() => Promise.resolve(['::ffff:10.9.8.7']))).toEqual({
      reply: '',
      refused: ['127.0.0.1'],
    });
  });

  it('is not ready while the client does not resolve', async () => {
    const guard = createClientGuard(['agent'], { lookup: () => Promise.reject(new Error('no')) });
    await expect(guard.ready(300)).rejects.toThrow(/the client agent never resolved/);
  });
});
