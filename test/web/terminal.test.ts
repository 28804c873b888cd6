/**
 * The web terminal end to end, in a real browser (Debian's chromium driven by
 * playwright-core) against `corral serve`: a terminal session started with `corral run -i
 * -d` (local backend) opens on its terminal; keys typed into the page reach the command
 * and what it prints shows; the command's window takes the panel's size and follows the
 * browser's; a second viewer (`corral attach`'s socket) types into the same screen; the
 * session ends from the page and its work comes back as a branch. No Content Security
 * Policy violation on the way. Screenshots go to test-results/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { corral, makeHome, waitForEnd } from '../helpers/cli.js';
import { engineSocket } from '../helpers/engine.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { startServe, type Serving } from '../helpers/serve.js';
import { mustAttach } from '../helpers/terminal-socket.js';

describe('the web terminal in a browser', () => {
  let home: string;
  let repo: TestRepo;
  let serving: Serving;
  let browser: Browser;
  let page: Page;
  const csp: string[] = [];

  beforeAll(async () => {
    home = await makeHome();
    repo = await makeRepo({ 'README.md': '# terminal\n' });
    serving = await startServe(home);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await serving?.stop();
  });

  /** What the terminal shows, row by row (xterm.js draws rows as DOM text). */
  const screenText = () => page.locator('.xterm-rows').innerText();

  it('types into a running session, follows the window size, and ends it with its work back', async () => {
    const r = await corral(home, ['run', '-i', '-d', '--backend', 'local', '--', 'sh'], {
      cwd: repo.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();

    await page.goto(`${serving.url}/#token=${serving.token}`);
    await page.goto(`${serving.url}/#/instances/${id}`);
    const state = page.getByTestId('terminal-state');
    await expect.poll(() => state.getAttribute('data-state'), { timeout: 20_000 }).toBe('attached');

    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo "from-the-page-$((6*7))"; stty size\n');
    await expect.poll(screenText, { timeout: 20_000 }).toContain('from-the-page-42');
    const sized = /(\d+) (\d+)\s*\n?\s*\$/.exec(await screenText());
    const [rows, cols] = [Number(sized?.[1]), Number(sized?.[2])];
    // The panel's size, not a default 24x80.
    expect(rows).toBeGreaterThan(10);
    expect(cols).toBeGreaterThan(80);
    await screenshot(page, 'terminal');

    // A narrower window: the command's terminal follows.
    await page.setViewportSize({ width: 700, height: 900 });
    await page.waitForTimeout(300);
    await page.keyboard.type('clear; stty size\n');
    await expect
      .poll(async () => Number(/(\d+) (\d+)/.exec(await screenText())?.[2] ?? cols), {
        timeout: 20_000,
      })
      .toBeLessThan(cols);
    await screenshot(page, 'terminal-narrow');

    // Another viewer (what corral attach uses) types; the page shows it.
    const other = await mustAttach(`ws+unix:${engineSocket(home)}:/v1/instances/${id}/terminal`);
    other.type('echo "from-elsewhere-$((1+2))"\r');
    await expect.poll(screenText, { timeout: 20_000 }).toContain('from-elsewhere-3');

    // Ctrl-] hands the keyboard back to the page: Tab then moves on, and typing goes nowhere.
    const inTerminal = () =>
      page.evaluate(() => {
        const { document } = globalThis as unknown as {
          document: { activeElement: { closest(selector: string): unknown } | null };
        };
        return Boolean(document.activeElement?.closest('.xterm'));
      });
    expect(await inTerminal()).toBe(true);
    await page.keyboard.press('Control+BracketRight');
    expect(await inTerminal()).toBe(false);
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo typed-in-the-browser > web.txt; exit\n');
    expect(await waitForEnd(home, id)).toBe('succeeded');
    expect(repo.show(`corral/${id}`, 'web.txt')).toBe('typed-in-the-browser\n');
    // Ended, the page shows its transcript; what the session printed is kept in its log.
    await expect
      .poll(() => page.getByTestId('transcript').textContent(), { timeout: 20_000 })
      .toContain('ended succeeded');
    const logs = await corral(home, ['logs', id]);
    expect(logs.stdout).toContain('from-the-page-42');
    expect(logs.stdout).toContain('from-elsewhere-3');
    await screenshot(page, 'terminal-ended');
    expect(csp).toEqual([]);
  });
});
