/**
 * A git smart-HTTP server on 127.0.0.1 for push tests: `git http-backend` (CGI) behind a
 * tiny node:http server that demands HTTP basic auth with the token a test mints. It serves the bare repositories under `root` and remembers the user names it saw.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer extends AsyncDisposable {
  url: string;
  /** Basic-auth attempts: the user names, and whether the password matched. */
  attempts: Array<{ username: string; ok: boolean }>;
  close(): Promise<void>;
}

function checkAuth(
  req: IncomingMessage,
  accepts: (password: string) => boolean,
): { username: string; ok: boolean } | null {
  const header = req.headers.authorization ?? '';
  const m = /^Basic (.+)$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return { username: decoded.slice(0, colon), ok: accepts(decoded.slice(colon + 1)) };
}

function serveCgi(root: string, req: IncomingMessage, res: ServerResponse, user: string): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (/^status$/i.test(name)) status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    res.write(head.subarray(end + 4));
  });
  child.on('close', () => res.end());
}

/** `token`: the one password accepted, or a test of each password (for minted tokens). */
export async function startGitHttpServer(
  root: string,
  token: string | ((password: string) => boolean),
): Promise<GitHttpServer> {
  const attempts: GitHttpServer['attempts'] = [];
  const accepts = typeof token === 'string' ? (p: string) => p === token : token;
  const server = createServer((req, res) => {
    const auth = checkAuth(req, accepts);
    if (auth) attempts.push(auth);
    if (!auth?.ok) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="corral-test"' });
      return void res.end('unauthorized\n');
    }
    serveCgi(root, req, res, auth.username);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((r) => server.close(() => r()));
  return { url: `http://127.0.0.1:${port}`, attempts, close, [Symbol.asyncDispose]: close };
}
