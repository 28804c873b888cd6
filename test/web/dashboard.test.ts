/**
 * The dashboard end to end, in a real browser (Debian's chromium driven by playwright-core)
 * against `corral serve` and instances of the scripted fake agent on the local backend:
 * the page signs in from the printed address and takes the token out of the address bar;
 * instances appear and change in the table live; an instance's transcript streams in
 * (hostile text shown as text); a request the agent made (its gateway's log line, written
 * here as the gateway would) is approved from the Requests page; serving is stopped and
 * started again while a run goes on, and the page catches up without losing or repeating a
 * line and without notifying what it replayed; the diff and the policy show and change.
 * Screenshots of each page go to test-results/screenshots/.
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { freePort, startServe, type Serving } from '../helpers/serve.js';

/** Runs until the test opens each gate (a file it writes into the workspace's .git). */
const longScript = [
  'say step one',
  'say step two',
  'run while [ ! -e .git/gate1 ]; do sleep 0.2; done',
  'say step three',
  'say step four',
  'run while [ ! -e .git/gate2 ]; do sleep 0.2; done',
  'write notes.txt notes from the long run',
  'write src/answer.ts export const answer = 42; // <b>not bold</b>',
  'say all done',
].join('\n');

const hostile = 'look: <img src=x onerror="window.__xss=1"> \u001b[31mred\u001b]0;title\u0007 text';
const quickScript = (n: number) =>
  [`say ${hostile}`, `write quick-${n}.txt quick ${n}`, 'run false', 'say done'].join('\n');

/** Records notifications instead of showing them (headless chromium has no desktop). */
const notificationStub = `
  window.__notes = [];
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title) { window.__notes.push(title); }
  };
`;

function requestLine(n: number, name: string, why: string): string {
  const ts = new Date().toISOString().replace(/\.\d+Z$/, '.000Z');
  return `${JSON.stringify({ n, ts, kind: 'host', name, why })}\n`;
}

describe('the dashboard in a browser', () => {
  let home: string;
  let repo: TestRepo;
  let serving: Serving;
  let port: number;
  const token = 'e2e-token-0123456789abcdefghij';
  let browser: Browser;
  let page: Page;

  const shot = (name: string) => screenshot(page, name);
  const openGate = (id: string, gate: string) =>
    writeFile(join(home, 'instances', id, 'workspace', '.git', gate), '');
  const loggedText = async (id: string) =>
    readFile(join(home, 'instances', id, 'events.ndjson'), 'utf8');
  const notes = () => page.evaluate(() => (globalThis as unknown as { __notes: string[] }).__notes);
  const run = async (name: string, script: string, extra: string[] = []) => {
    const r = await corral(
      home,
      [
        'run',
        '-d',
        '--backend',
        'local',
        '--agent',
        'fake',
        '--name',
        name,
        ...extra,
        '-p',
        script,
      ],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    home = await makeHome();
    repo = await makeRepo({ 'README.md': '# e2e\n' });
    port = await freePort();
    serving = await startServe(home, { port, token });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(notificationStub);
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  // What the page showed when a test failed, to look at.
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) {
      await shot(`failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await serving?.stop();
    // A test that failed half-way may leave a run waiting at a gate: stop what still runs.
    if (!home) return;
    const ls = await corral(home, ['ls', '--json']);
    for (const i of ls.json<{ instances: Array<{ id: string; status: string }> }>().instances) {
      if (i.status === 'running' || i.status === 'created') await corral(home, ['stop', i.id]);
    }
  });

  it('signs in from the printed address, streams instances, approves a request, survives a dropped stream', async () => {
    // The table is kept by the event stream: the list itself is fetched once, however much happens.
    const lists: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/v1/instances') lists.push(r.url());
    });
    const csp: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
    });
    await page.goto(`${serving.url}/#token=${token}`);
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toBe('live');
    // The token left the address bar; the session is the HttpOnly cookie, which no script sees.
    expect(page.url()).not.toContain('token');
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
      ),
    ).toBe('');
    await page.getByRole('button', { name: 'Notify me' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Notifications on' }).count()).toBe(1);
    await expect.poll(() => page.getByText('No instances yet').count()).toBe(1);

    // Instances appear, live, and change status without a reload.
    const long = await run('long-one', longScript, ['--allow-host', 'example.test']);
    const quick1 = await run('quick-1', quickScript(1));
    const quick2 = await run('quick-2', quickScript(2));
    const row = (id: string) => page.locator(`tr[data-id="${id}"]`);
    for (const id of [long, quick1, quick2]) {
      await expect.poll(() => row(id).count(), { timeout: 30_000 }).toBe(1);
    }
    await expect.poll(() => row(long).getAttribute('data-status')).toBe('running');
    for (const id of [quick1, quick2]) {
      await expect
        .poll(() => row(id).getAttribute('data-status'), { timeout: 30_000 })
        .toBe('succeeded');
    }
    await expect.poll(() => row(quick1).locator('td').nth(4).textContent()).toBe('440');
    // What each changed: one file of one line, counted when it ended.
    for (const id of [quick1, quick2]) {
      await expect.poll(() => row(id).locator('td.changed').textContent()).toBe('+1 −0');
    }

    // The agent asks for a host (the gateway's log line); the table and a notification say so.
    const requestsLog = join(home, 'instances', long, 'requests.log');
    await appendFile(requestsLog, requestLine(1, 'pkg.example.test', 'to fetch <b>fixtures</b>'));
    await expect
      .poll(() => row(long).locator('a.pending').textContent(), { timeout: 20_000 })
      .toBe('1 waiting');
    await expect
      .poll(notes)
      .toEqual(expect.arrayContaining([`${long} asks for host pkg.example.test`]));
    await shot('instances');

    // Filters.
    await page.getByRole('searchbox').fill('quick');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    await page.getByRole('searchbox').fill('');
    await page.getByLabel('Status').selectOption('running');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Status').selectOption('all');

    // A finished instance's transcript: hostile text stays text.
    await row(quick1).locator('td.name a').click();
    await expect.poll(() => page.getByTestId('transcript-state').textContent()).toContain('ended');
    const quickText = await page.getByTestId('transcript').textContent();
    expect(quickText).toContain('look: <img src=x onerror="window.__xss=1"> red text');
    expect(quickText).not.toContain('\u001b');
    expect(quickText).toContain('$ false');
    expect(await page.getByTestId('transcript').locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBe(
      undefined,
    );
    await expect.poll(() => page.locator('.exit.bad').first().textContent()).toBe('exit 1');
    await page.goBack();

    // The long one's transcript streams in while it runs.
    await row(long).locator('td.name a').click();
    const transcript = page.getByTestId('transcript');
    await expect.poll(() => transcript.textContent(), { timeout: 20_000 }).toContain('step two');
    expect(await page.locator('.badge').first().textContent()).toBe('running');
    await shot('instance-transcript');

    // The request, approved from the Requests page.
    await page.getByRole('link', { name: /^Requests/ }).click();
    const card = page.locator(`[data-request="${long}:1"]`);
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.locator('blockquote').textContent()).toBe('to fetch <b>fixtures</b>');
    await shot('requests');
    await card.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.getByText('No agent is waiting').count()).toBe(1);
    const listed = await corral(home, ['requests', '--all', '--json']);
    expect(listed.json<{ requests: Array<{ status: string }> }>().requests).toMatchObject([
      { status: 'approved' },
    ]);

    // Back to the long run; serving stops while it goes on and says more, a second request too.
    await page.goBack();
    await expect.poll(() => transcript.textContent()).toContain('request 1 approved');
    const notesBefore = await notes();
    await serving.stop();
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toBe('reconnecting…');
    await appendFile(requestsLog, requestLine(2, 'other.example.test', 'while nobody watched'));
    await openGate(long, 'gate1');
    await expect
      .poll(() => loggedText(long))
      .toMatch(/step four[\s\S]*other\.example\.test|other\.example\.test[\s\S]*step four/);
    expect(await transcript.textContent()).not.toContain('step four');
    serving = await startServe(home, { port, token });
    await expect
      .poll(() => page.getByTestId('stream-state').textContent(), { timeout: 20_000 })
      .toBe('live');
    await expect.poll(() => transcript.textContent()).toContain('step four');
    expect(await page.locator('.badge').first().textContent()).toBe('running');
    // And live again from there.
    await openGate(long, 'gate2');
    await expect
      .poll(() => page.getByTestId('transcript-state').textContent(), { timeout: 60_000 })
      .toContain('the run ended');
    await expect.poll(() => page.locator('.badge').first().textContent()).toBe('succeeded');

    // Every line once, in order, none missing: the page has exactly what the log has.
    const seqs = (
      await transcript
        .locator('li')
        .evaluateAll((lis: Array<{ getAttribute(name: string): string | null }>) =>
          lis.map((li) => li.getAttribute('data-seq')),
        )
    ).map(Number);
    const logged = (await readFile(join(home, 'instances', long, 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n');
    expect(seqs).toEqual(logged.map((_, i) => i + 1));
    const text = (await transcript.textContent()) ?? '';
    expect(text.split('all done')).toHaveLength(2);
    expect(text).toContain('request 2: host other.example.test');
    await shot('instance-ended');

    // What was replayed updated the page but notified nobody; what came live did, once each.
    await page.getByRole('link', { name: 'Instances', exact: true }).click();
    await expect.poll(() => row(long).locator('a.pending').textContent()).toBe('1 waiting');
    const all = await notes();
    expect(all.filter((t) => t.includes('other.example.test'))).toEqual([]);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining([`${quick1} succeeded`, `${quick2} succeeded`]));
    expect(all.length).toBeGreaterThanOrEqual(notesBefore.length);

    // The diff of its work, and its policy, changed live from the page.
    await row(long).locator('td.name a').click();
    await page.getByRole('tab', { name: 'Diff' }).click();
    const diff = page.getByTestId('diff');
    await expect
      .poll(() => diff.locator('.dl-add').allTextContents())
      .toContain('+notes from the long run\n');
    // Code is coloured by its language, and stays text.
    const code = diff.getByRole('region', { name: 'diff of src/answer.ts' });
    expect(await code.locator('.tk-keyword').allTextContents()).toEqual(['export', 'const']);
    expect(await code.locator('.tk-comment').textContent()).toBe('// <b>not bold</b>');
    expect(await code.locator('b').count()).toBe(0);
    await shot('instance-diff');
    await page.getByRole('tab', { name: 'Egress policy' }).click();
    const policy = page.getByTestId('policy');
    await expect.poll(() => policy.getByText('pkg.example.test').count()).toBe(1);
    await policy
      .locator('li', { hasText: 'pkg.example.test' })
      .getByRole('button', { name: 'Deny' })
      .click();
    await expect.poll(() => policy.getByText('pkg.example.test').count()).toBe(0);
    await policy.getByLabel('Allow a host').fill('registry.npmjs.org');
    await policy.getByRole('button', { name: 'Allow', exact: true }).click();
    await expect.poll(() => policy.getByText('registry.npmjs.org').count()).toBe(1);
    await shot('instance-policy');

    // On a phone, in the dark.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('tab', { name: 'Transcript' }).click();
    await shot('phone-dark-instance');
    await page.getByRole('link', { name: 'Instances', exact: true }).click();
    await shot('phone-dark-instances');
    expect(csp).toEqual([]);
    expect(lists).toHaveLength(1);
  });

  it('rejects a request; stops, resumes, pushes and removes an instance from its page', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
    const row = (id: string) => page.locator(`tr[data-id="${id}"]`);
    const state = () => page.getByTestId('transcript-state').textContent();
    const badge = () => page.locator('.instance .badge').first().textContent();

    // The request left waiting by the first test, rejected with a reason the agent can read.
    await page.goto(`${serving.url}/#/requests`);
    const waiting = page.locator('[data-request$=":2"]');
    await expect.poll(() => waiting.count()).toBe(1);
    await waiting.getByPlaceholder('reason (optional)').fill('not <this> one');
    await waiting.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => page.getByText('No agent is waiting').count()).toBe(1);
    const answered = await corral(home, ['requests', '--all', '--json']);
    expect(
      answered.json<{ requests: Array<{ n: number; answer: { reason: string } | null }> }>()
        .requests,
    ).toMatchObject([{ n: 1 }, { n: 2, answer: { reason: 'not <this> one' } }]);

    // Stop a run that would go on for minutes; its page is reached from the keyboard.
    const sleeper = await run('sleeper', ['say going to sleep', 'run sleep 300'].join('\n'));
    await page.getByRole('link', { name: 'Instances', exact: true }).click();
    await expect.poll(() => row(sleeper).count()).toBe(1);
    await row(sleeper).locator('td.name a').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain(`#/instances/${sleeper}`);
    await expect
      .poll(() => page.getByTestId('transcript').textContent())
      .toContain('going to sleep');
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(badge, { timeout: 30_000 }).toBe('canceled');
    await expect.poll(state).toContain('the run ended');

    // Resume a kept one with a new prompt: the transcript follows the new run.
    const kept = await run('kept', 'say first run\nwrite first.txt one', ['--keep']);
    await page.goto(`${serving.url}/#/instances/${kept}`);
    await expect.poll(badge, { timeout: 30_000 }).toBe('succeeded');
    await page
      .getByLabel('Resume with a new prompt')
      .fill('say second run\nwrite second.txt again');
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect
      .poll(() => page.getByTestId('transcript').textContent(), { timeout: 30_000 })
      .toContain('second run');
    await expect.poll(badge, { timeout: 30_000 }).toBe('succeeded');
    const text = (await page.getByTestId('transcript').textContent()) ?? '';
    expect(text.split('first run')).toHaveLength(2);
    expect(text.split('second run')).toHaveLength(2);
    await shot('instance-resumed');

    // Its diff: all its work against the base, or only what the last turn changed.
    await page.getByRole('tab', { name: 'Diff' }).click();
    const diff = page.getByTestId('diff');
    const files = () => diff.locator('.diff-files code').allTextContents();
    await expect.poll(files).toEqual(['first.txt', 'second.txt']);
    await diff.getByLabel('Since').selectOption('turn');
    await expect.poll(files).toEqual(['second.txt']);
    await shot('instance-diff-turn');
    await page.getByRole('tab', { name: 'Transcript' }).click();

    // Push its branch to another repository.
    const remote = await makeRepo({ 'README.md': '# remote\n' });
    await page.getByLabel('Push the branch to').fill(remote.dir);
    await page.getByRole('button', { name: 'Push' }).click();
    await expect
      .poll(() => page.locator('.actions [role=status]').textContent(), { timeout: 30_000 })
      .toMatch(/^Pushed corral\//);
    expect(remote.show(`corral/${kept}`, 'second.txt')).toBe('again\n');

    // Serving again with another token: the page says it is signed out, and takes the new one.
    await serving.stop();
    const newToken = 'another-token-abcdefghijklmnopqrstu';
    serving = await startServe(home, { port, token: newToken });
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toBe('signed out');
    await shot('signed-out');
    await page.getByLabel('Token').fill(newToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toBe('live');

    // Remove it (asked twice); it leaves the table.
    await page.getByRole('button', { name: 'Remove…' }).click();
    await page.getByRole('button', { name: `Really remove ${kept}` }).click();
    await expect.poll(() => page.url()).toMatch(/#\/$/);
    await expect.poll(() => row(sleeper).count()).toBe(1);
    expect(await row(kept).count()).toBe(0);
    const ls = await corral(home, ['ls', '--json']);
    expect(
      ls.json<{ instances: Array<{ id: string }> }>().instances.map((i) => i.id),
    ).not.toContain(kept);

    // Removed from a terminal: its row goes from the open page at once (instance.removed).
    const gone = await corral(home, ['rm', sleeper]);
    expect(gone.code, gone.stderr).toBe(0);
    await expect.poll(() => row(sleeper).count()).toBe(0);
  });
});
