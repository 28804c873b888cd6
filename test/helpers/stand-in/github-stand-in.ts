/**
 * A stand-in for the few GitHub REST endpoints `corral push` uses, on 127.0.0.1: the
 * repository (its default branch), pulls (create; list by head), and for GitHub Apps the
 * repository's installation and installation access tokens. It checks every bearer token
 * (the personal one given, an installation token it minted, or an app JWT signed by the
 * app's key) and records each request with its Authorization header and body.
 */
import { createPublicKey, createVerify, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface GitHubStandIn extends AsyncDisposable {
  url: string;
  requests: RecordedRequest[];
  /** Installation tokens minted, with the scope asked for. */
  minted: Array<{ token: string; installationId: number; body: unknown }>;
  close(): Promise<void>;
}

export interface GitHubStandInOptions {
  /** A personal token the API accepts. */
  token?: string;
  defaultBranch?: string;
  /** A GitHub App: its id, the public half of its key, its installation id. */
  app?: { id: string; publicKeyPem: string; installationId: number };
}

function verifyJwt(jwt: string, key: KeyObject, appId: string): boolean {
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) return false;
  const verify = createVerify('RSA-SHA256');
  verify.update(`${h}.${p}`);
  if (!verify.verify(key, Buffer.from(s, 'base64url'))) return false;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as {
    iss?: unknown;
    exp?: number;
  };
  return String(claims.iss) === appId && (claims.exp ?? 0) * 1000 > Date.now();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : null;
}

export async function startGitHubStandIn(
  options: GitHubStandInOptions = {},
): Promise<GitHubStandIn> {
  const requests: RecordedRequest[] = [];
  const minted: GitHubStandIn['minted'] = [];
  const pulls: Array<{ number: number; head: string; base: string }> = [];
  const appKey = options.app ? createPublicKey(options.app.publicKeyPem) : null;
  let url = '';

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '/';
      const method = req.method ?? 'GET';
      requests.push({ method, path, authorization: req.headers.authorization, body });
      const bearer = /^(?:bearer|token) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const isJwt = Boolean(bearer && appKey && verifyJwt(bearer, appKey, options.app!.id));
      const isToken =
        Boolean(bearer) && (bearer === options.token || minted.some((m) => m.token === bearer));

      let m = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path);
      if (m && method === 'GET') {
        if (!isJwt) return send(res, 401, { message: 'A JSON web token could not be decoded' });
        return send(res, 200, { id: options.app!.installationId });
      }
      m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
      if (m && method === 'POST') {
        if (!isJwt) return send(res, 401, { message: 'A JSON web token could not be decoded' });
        if (Number(m[1]) !== options.app!.installationId)
          return send(res, 404, { message: 'Not Found' });
        const token = `ghs_${randomBytes(18).toString('hex')}`;
        minted.push({ token, installationId: Number(m[1]), body });
        const expires = new Date(Date.now() + 3_600_000).toISOString();
        return send(res, 201, {
          token,
          expires_at: expires,
          permissions: (body as { permissions?: unknown } | null)?.permissions ?? {},
          repository_selection: 'selected',
        });
      }
      if (!isToken) return send(res, 401, { message: 'Bad credentials' });
      m = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path);
      if (m && method === 'GET')
        return send(res, 200, {
          full_name: `${m[1]}/${m[2]}`,
          default_branch: options.defaultBranch ?? 'main',
        });
      m = /^\/repos\/([^/]+)\/([^/]+)\/pulls(\?.*)?$/.exec(path);
      if (m && method === 'POST') {
        const pr = body as { head: string; base: string };
        // GitHub refuses a second open pull request of one head into the same base only.
        if (pulls.some((p) => p.head === pr.head && p.base === pr.base))
          return send(res, 422, {
            message: 'Validation Failed',
            errors: [{ message: `A pull request already exists for ${m[1]}:${pr.head}.` }],
          });
        const number = pulls.length + 1;
        pulls.push({ number, head: pr.head, base: pr.base });
        return send(res, 201, {
          number,
          html_url: `${url}/${m[1]}/${m[2]}/pull/${number}`,
          head: { ref: pr.head },
          base: { ref: pr.base },
        });
      }
      if (m && method === 'GET') {
        const query = new URLSearchParams(m[3] ?? '');
        const head = query.get('head')?.split(':')[1];
        const base = query.get('base');
        return send(
          res,
          200,
          pulls
            .filter((p) => p.head === head && (base === null || p.base === base))
            .map((p) => ({
              number: p.number,
              html_url: `${url}/${m[1]}/${m[2]}/pull/${p.number}`,
              head: { ref: p.head },
              base: { ref: p.base },
            })),
        );
      }
      send(res, 404, { message: 'Not Found' });
    })().catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((r) => server.close(() => r()));
  return { url, requests, minted, close, [Symbol.asyncDispose]: close };
}
