/**
 * Terminal sessions the engine hosts (`corral run -i -d`): people attach to them through
 * the engine's WebSocket (the dashboard's web terminal, `corral attach`), type, resize, see
 * what late joiners see, and the session's work still comes back as a branch. On `corral
 * serve`'s TCP port the same socket is behind the token, Host and Origin checks, and the
 * attachments end with the serving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { corral, makeHome, waitForEnd } from '../helpers/cli.js';
import { engineSocket, killEngines } from '../helpers/engine.js';
import { makeRepo } from '../helpers/git-repo.js';
import { underPty } from '../helpers/pty.js';
import { startServe, type Serving } from '../helpers/serve.js';
import { attachViewer, mustAttach } from '../helpers/terminal-socket.js';

const homes: string[] = [];
const servings: Serving[] = [];
afterEach(async () => {
  for (const serving of servings.splice(0)) await serving.stop();
  for (const home of homes.splice(0)) killEngines(home);
});

/** `corral run -i -d` of `args` (options, then `--` and the command; default: sh). */
async function startSession(backend: string, args = ['--', 'sh']) {
  const home = await makeHome();
  homes.push(home);
  const repo = await makeRepo();
  const r = await corral(home, ['run', '-i', '-d', '--backend', backend, ...args], {
    cwd: repo.dir,
  });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain('corral attach');
  const id = r.stdout.trim();
  const url = `ws+unix:${engineSocket(home)}:/v1/instances/${id}/terminal`;
  return { home, repo, id, url };
}

describe.each(['docker', 'local'])('a terminal session the engine hosts (%s)', (backend) => {
  it('is typed into and resized through its socket, late viewers see the screen, and its work comes back', async () => {
    const { home, repo, id, url } = await startSession(backend);
    const viewer = await mustAttach(url);
    viewer.resize(33, 101);
    viewer.type('test -t 0 && echo "tty: yes"; echo "hi-$((6*7))"; stty size\r');
    await viewer.waitForScreen('hi-42');
    // The command's own terminal has the size the viewer asked for.
    await viewer.waitForScreen('33 101');
    expect(viewer.screen()).toContain('tty: yes');

    // Someone attaching later sees what the session printed so far, and both see what follows.
    const late = await mustAttach(url);
    await late.waitForScreen('hi-42');
    late.type('echo "from-late-$((1+1))"\r');
    await viewer.waitForScreen('from-late-2');

    viewer.type('echo typed > typed.txt; exit\r');
    expect(await viewer.closed).toEqual({ ended: true, code: 1000 });
    expect(await late.closed).toEqual({ ended: true, code: 1000 });
    expect(await waitForEnd(home, id)).toBe('succeeded');
    expect(repo.show(`corral/${id}`, 'typed.txt')).toBe('typed\n');
  });
});

describe('corral resume -i -d (local)', () => {
  it('opens a kept instance as a terminal session again, on the same workspace', async () => {
    const { home, repo, id, url } = await startSession('local', ['--keep', '--', 'sh']);
    const first = await mustAttach(url);
    first.type('echo one > one.txt; exit\r');
    expect((await first.closed).ended).toBe(true);
    expect(await waitForEnd(home, id)).toBe('succeeded');

    const resumed = await corral(home, ['resume', id, '-i', '-d', '--', 'sh'], { cwd: repo.dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`corral attach ${id}`);
    const again = await mustAttach(url);
    again.type('echo "read: $(cat one.txt)"; echo two > two.txt; exit\r');
    await again.waitForScreen('read: one');
    expect((await again.closed).ended).toBe(true);
    expect(await waitForEnd(home, id)).toBe('succeeded');
    expect(repo.show(`corral/${id}`, 'two.txt')).toBe('two\n');
  });
});

describe('corral attach (local)', () => {
  it('puts this terminal into the session; the session ending ends it with its exit code', async () => {
    const { home, repo, id } = await startSession('local');
    const r = await underPty(home, repo.dir, ['attach', id], {
      waitFor: 'Ctrl-] lets go',
      keys: 'echo attached > attached.txt; exit 5\r',
    });
    expect(r.screen).toContain(`attached to ${id}`);
    expect(r.code, r.screen).toBe(5);
    expect(await waitForEnd(home, id)).toBe('failed');
    expect(repo.show(`corral/${id}`, 'attached.txt')).toBe('attached\n');
  });

  it('Ctrl-] lets go and the session goes on', async () => {
    const { home, repo, id, url } = await startSession('local');
    const r = await underPty(home, repo.dir, ['attach', id], {
      waitFor: 'Ctrl-] lets go',
      keys: '\x1d',
    });
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain(`let go of ${id}; it goes on`);
    const viewer = await mustAttach(url);
    viewer.type('exit\r');
    expect((await viewer.closed).ended).toBe(true);
    expect(await waitForEnd(home, id)).toBe('succeeded');
  });

  it('an instance without a terminal is refused with what to do', async () => {
    const home = await makeHome();
    homes.push(home);
    const repo = await makeRepo();
    const r = await corral(home, ['run', '-d', '--backend', 'local', '--', 'sleep', '30'], {
      cwd: repo.dir,
    });
    const id = r.stdout.trim();
    const attached = await attachViewer(
      `ws+unix:${engineSocket(home)}:/v1/instances/${id}/terminal`,
    );
    expect(attached).toMatchObject({ refused: { status: 404 } });
    if ('refused' in attached) {
      expect(JSON.parse(attached.refused.body)).toMatchObject({
        error: {
          code: 'INSTANCE_NOT_RUNNING',
          message: `${id} has no terminal: it was not started with -i.`,
        },
      });
    }
    await corral(home, ['stop', id]);
  });
});

describe('the terminal on corral serve (local)', () => {
  it('needs the token and a same-origin page, and ends when serving ends', async () => {
    const { home, id } = await startSession('local');
    const serving = await startServe(home);
    servings.push(serving);
    const { host } = new URL(serving.url);
    const url = `ws://${host}/v1/instances/${id}/terminal`;
    const own = { origin: `http://${host}` };

    // Positive control: with the token (as the page's cookie), the page attaches and types.
    const viewer = await mustAttach(url, { ...own, cookie: `corral_token=${serving.token}` });
    viewer.type('echo "served-$((2*3))"\r');
    await viewer.waitForScreen('served-6');

    expect(await attachViewer(url, own)).toMatchObject({ refused: { status: 401 } });
    expect(
      await attachViewer(url, {
        origin: 'http://evil.example',
        authorization: `Bearer ${serving.token}`,
      }),
    ).toMatchObject({ refused: { status: 403 } });
    // A page of another site whose name resolves here (DNS rebinding) sends its own Host.
    expect(
      await attachViewer(url, {
        host: `rebound.example:${new URL(serving.url).port}`,
        authorization: `Bearer ${serving.token}`,
      }),
    ).toMatchObject({ refused: { status: 421 } });

    // Serving ends: so does every attachment made through it; the session goes on.
    servings.splice(servings.indexOf(serving), 1);
    await serving.stop();
    expect((await viewer.closed).ended).toBe(false);
    const again = await mustAttach(`ws+unix:${engineSocket(home)}:/v1/instances/${id}/terminal`);
    await again.waitForScreen('served-6');
    again.type('exit\r');
    expect((await again.closed).ended).toBe(true);
    expect(await waitForEnd(home, id)).toBe('succeeded');
  });
});
