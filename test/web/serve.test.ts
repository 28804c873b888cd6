/**
 * `corral serve` as a browser meets it: the dashboard's files load without a token, under
 * a strict Content-Security-Policy and with no inline script; every API call needs the
 * token, which the page trades once (POST /v1/session with the bearer) for an HttpOnly,
 * SameSite=Strict cookie; a request from another origin or naming another host is
 * refused, cookie or not; serving beyond loopback needs a chosen token; and `--open`
 * hands the printed address to the user's browser ($BROWSER here: a script that records
 * it), or says in one line that it found none and goes on serving.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, makeHome, waitFor } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import { http, startServe, type Serving } from '../helpers/serve.js';

describe('corral serve: the dashboard and its security', () => {
  let home: string;
  let serving: Serving;
  let host: string;

  beforeAll(async () => {
    home = await makeHome();
    serving = await startServe(home);
    host = new URL(serving.url).host;
  });
  afterAll(async () => {
    await serving?.stop();
  });

  it('serves the page and its assets without a token, with a strict CSP and no inline script', async () => {
    const page = await http(`${serving.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // Inline styles only with this copy's nonce (the web terminal's own style elements).
    const nonce = /style-src 'self' 'nonce-([\w-]+)'/.exec(csp)?.[1];
    expect(page.body).toContain(`<meta name="csp-nonce" content="${nonce}"`);
    const again = await http(`${serving.url}/`);
    expect(String(again.headers['content-security-policy'])).not.toContain(String(nonce));
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const scripts = [...page.body.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [tag, inner] of scripts) {
      expect(tag).toMatch(/\bsrc="\/assets\/[\w.-]+\.js"/);
      expect(inner?.trim()).toBe('');
    }
    const src = /src="(\/assets\/[\w.-]+\.js)"/.exec(page.body)?.[1];
    const js = await http(`${serving.url}${src}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    // Anything that is not one of the built files is not a way around the token.
    expect((await http(`${serving.url}/assets/../v1/instances`)).status).toBe(401);
    expect((await http(`${serving.url}/no-such-file`)).status).toBe(401);
  });

  it('needs the token for every API call; the session trades it for an HttpOnly, SameSite=Strict cookie', async () => {
    const none = await http(`${serving.url}/v1/instances`);
    expect(none.status).toBe(401);
    expect(none.headers['content-security-policy']).toBeDefined();
    expect((await http(`${serving.url}/v1/events?follow=false`)).status).toBe(401);

    const wrong = await http(`${serving.url}/v1/session`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const session = await http(`${serving.url}/v1/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serving.token}`, origin: serving.url },
    });
    expect(session.status).toBe(200);
    const cookie = String(session.headers['set-cookie']);
    expect(cookie).toMatch(/^corral_token=[^;]+;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    const pair = cookie.split(';')[0]!;

    const listed = await http(`${serving.url}/v1/instances`, { headers: { cookie: pair } });
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.body)).toEqual({ instances: [] });
    const forged = await http(`${serving.url}/v1/instances`, {
      headers: { cookie: 'corral_token=guess' },
    });
    expect(forged.status).toBe(401);
  });

  it('refuses a request from another origin, and one naming another host, token or not', async () => {
    const auth = { authorization: `Bearer ${serving.token}` };
    const foreign = await http(`${serving.url}/v1/session`, {
      method: 'POST',
      headers: { ...auth, origin: 'http://evil.test' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers['set-cookie']).toBeUndefined();
    const gc = await http(`${serving.url}/v1/gc`, {
      method: 'POST',
      headers: {
        ...auth,
        cookie: `corral_token=${serving.token}`,
        origin: 'http://evil.test',
        'content-type': 'application/json',
      },
      body: '{"dryRun":true}',
    });
    expect(gc.status).toBe(403);
    // The same call from the page's own origin passes.
    const ok = await http(`${serving.url}/v1/gc`, {
      method: 'POST',
      headers: { ...auth, origin: serving.url, 'content-type': 'application/json' },
      body: '{"dryRun":true}',
    });
    expect(ok.status).toBe(200);

    // DNS rebinding: a page of another site whose name resolves to 127.0.0.1.
    for (const path of ['/', '/v1/instances']) {
      const rebound = await http(`${serving.url}${path}`, {
        headers: { ...auth, host: `evil.test:${new URL(serving.url).port}` },
      });
      expect(rebound.status).toBe(421);
    }
    const localhost = await http(`${serving.url}/v1/instances`, {
      headers: { ...auth, host: `localhost:${new URL(serving.url).port}` },
    });
    expect(localhost.status).toBe(200);
    expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('refuses to serve beyond loopback without a chosen token', async () => {
    const other = await makeHome();
    const r = await corral(other, ['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Serving on 0.0.0.0 would open the API beyond this machine');
    expect(r.stderr).toContain('--token');
  });

  it('--open hands the address with its token to $BROWSER; with no browser it says so and serves on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'browser-'));
    const opened = join(dir, 'opened.txt');
    const browser = join(dir, 'fake-browser');
    await writeFile(browser, `#!/bin/sh\nprintf '%s\\n' "$@" > '${opened}'\n`);
    await chmod(browser, 0o755);
    const withBrowser = await startServe(await makeHome(), {
      args: ['--open'],
      env: { BROWSER: browser },
    });
    try {
      const arg = await waitFor(
        'the browser to be started',
        async () => (await readFile(opened, 'utf8').catch(() => '')).trim() || undefined,
      );
      expect(arg).toBe(`${withBrowser.url}/#token=${encodeURIComponent(withBrowser.token)}`);
      expect(withBrowser.stderr()).toContain('opened the address with $BROWSER');
    } finally {
      await withBrowser.stop();
    }

    const noBrowser = await startServe(await makeHome(), {
      args: ['--open'],
      env: { BROWSER: join(dir, 'no-such-browser'), PATH: join(dir, 'empty') },
    });
    try {
      await waitFor('the line saying so', () =>
        Promise.resolve(noBrowser.stderr().includes('found no browser') || undefined),
      );
      expect((await http(`${noBrowser.url}/`)).status).toBe(200);
    } finally {
      await noBrowser.stop();
    }
  });
});

describe("corral serve: the serving shell's credentials, lent to the page", () => {
  const key = 'sk-ant-lent-by-the-serving-shell-0123456789';
  /** What the page sends to create an agent instance: no environment (a browser has none). */
  const create = async (serving: Serving, repoDir: string) =>
    http(`${serving.url}/v1/instances`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${serving.token}`,
        origin: serving.url,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        request: {
          repoDir,
          agent: 'claude',
          command: [],
          prompt: 'fix the bug',
          backend: 'local',
          keep: false,
          interactive: false,
          limits: { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 },
        },
        env: {},
        start: false,
      }),
    });

  it('a call that needs an agent key gets the serving shell’s, which no answer or file shows', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    // The control: served from a shell without the key, the same call is refused for it.
    const bare = await startServe(home, { env: { ANTHROPIC_API_KEY: '' } });
    const refused = await create(bare, repo.dir);
    await bare.stop();
    expect(refused.status, refused.body).toBe(503);
    expect(refused.body).toMatch(/MISSING_CREDENTIAL.*ANTHROPIC_API_KEY/);

    const lending = await startServe(home, { env: { ANTHROPIC_API_KEY: key } });
    try {
      const made = await create(lending, repo.dir);
      expect(made.status, made.body).toBe(200);
      const { instance } = JSON.parse(made.body) as { instance: { id: string } };
      expect(made.body).not.toContain(key);
      const shown = await http(`${lending.url}/v1/instances/${instance.id}`, {
        headers: { authorization: `Bearer ${lending.token}` },
      });
      expect(shown.status).toBe(200);
      expect(shown.body).not.toContain(key);
      // grep exits 1 when it finds nothing: what it lists is what holds the key (the
      // control, a file of the test's own, shows it would find one).
      await writeFile(join(home, 'control.txt'), key);
      const files = execFileSync('sh', ['-c', 'grep -rl -- "$0" "$1" || true', key, home], {
        encoding: 'utf8',
      }).trim();
      expect(files).toBe(join(home, 'control.txt'));
    } finally {
      await lending.stop();
    }
  });
});
