/**
 * The battle pages end to end, in a real browser (Debian's chromium via playwright-core)
 * against `corral serve`, with a battle of two `shell` contestants on the local backend
 * started by `corral battle` beside it: the battles list shows it appear and finish live;
 * its page shows each contestant running (held at a gate the test opens), then graded one
 * after the other, the ranking filling in and becoming final, the base's grade; Merge, once
 * refused (the engine's message shown), then puts the winner's fix on the branch the battle
 * started from, and the page says so. The
 * results route the page reads (`GET /v1/battles/{id}/results`) is checked too. Screenshots
 * of both pages (light, dark, phone) go to test-results/screenshots/.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { corral, makeHome, type CliResult } from '../helpers/cli.js';
import { makeDatesRepo } from '../helpers/dates-repo.js';
import type { TestRepo } from '../helpers/git-repo.js';
import { freePort, http, startServe, type Serving } from '../helpers/serve.js';

/** Each contestant waits for its gate (a file the test writes into its workspace's .git). */
const battleFile = [
  'prompt: "Fix nextDay: it adds <b>two</b> days instead of one"',
  'test: node --test',
  'contestants:',
  '  - name: fix',
  '    agent: shell',
  `    command: "while [ ! -e .git/gate ]; do sleep 0.2; done; sed -i 's/day + 2/day + 1/' src/date.js"`,
  '  - name: noop',
  '    agent: shell',
  '    command: "while [ ! -e .git/gate ]; do sleep 0.2; done; echo nothing to do"',
].join('\n');

describe('the battle pages in a browser', () => {
  let home: string;
  let repo: TestRepo;
  let serving: Serving;
  const token = 'e2e-battle-token-0123456789abcdef';
  let browser: Browser;
  let page: Page;
  let battleRun: Promise<CliResult> | undefined;

  const shot = (name: string) => screenshot(page, name);

  beforeAll(async () => {
    home = await makeHome();
    repo = await makeDatesRepo({ '.gitignore': 'battle.yml\n' });
    await repo.write('battle.yml', battleFile);
    serving = await startServe(home, { port: await freePort(), token });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) await shot('failed-battle');
  });

  afterAll(async () => {
    await browser?.close();
    if (home) {
      // A test that failed half-way may leave contestants at their gates: stop the battle.
      const ls = await corral(home, ['battle', 'ls', '--json']);
      for (const b of ls.json<{ battles: Array<{ id: string; status: string }> }>().battles) {
        if (b.status === 'running') await corral(home, ['battle', 'stop', b.id]);
      }
      await battleRun;
    }
    await serving?.stop();
  });

  it('shows a battle live, its grades and ranking as they arrive, and merges the winner', async () => {
    const csp: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
    });
    await page.goto(`${serving.url}/#token=${token}`);
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toBe('live');
    await page.getByRole('link', { name: 'Battles', exact: true }).click();
    await expect.poll(() => page.getByText('No battles yet').count()).toBe(1);

    // The battle starts from the command line; the list shows it without a reload.
    battleRun = corral(
      home,
      [
        'battle',
        '--backend',
        'local',
        // The base's grading and both contestants at once: both are held at their gates.
        '--parallel',
        '3',
        '-f',
        join(repo.dir, 'battle.yml'),
        '--json',
      ],
      { cwd: repo.dir, timeoutMs: 170_000 },
    );
    const rows = page.locator('[data-testid="battles"] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(1);
    const row = rows.first();
    const id = (await row.getAttribute('data-id'))!;
    expect(id).toMatch(/^battle-/);
    expect(await row.getAttribute('data-status')).toBe('running');
    expect(await row.locator('td').nth(2).textContent()).toBe('2');
    // The prompt is text: its markup is shown, not rendered.
    expect(await row.locator('.task').textContent()).toContain('adds <b>two</b> days');
    await shot('battles-running');

    // Its page: both contestants running, each held at its gate.
    await row.locator('td.name a').click();
    const card = (name: string) => page.locator(`[data-contestant="${name}"]`);
    for (const name of ['fix', 'noop']) {
      await expect
        .poll(() => card(name).getAttribute('data-phase'), { timeout: 60_000 })
        .toBe('running');
    }
    const instanceOf = async (name: string) => {
      const link = card(name).locator('a[href^="#/instances/"]');
      await expect.poll(() => link.count(), { timeout: 30_000 }).toBe(1);
      return (await link.textContent())!;
    };
    const fixId = await instanceOf('fix');
    const noopId = await instanceOf('noop');
    await expect
      .poll(() => card('fix').getByTestId('run-status').textContent(), { timeout: 30_000 })
      .toBe('running');
    await expect
      .poll(() => page.getByTestId('base-grade').textContent(), { timeout: 60_000 })
      .toMatch(/0 passed, 1 failed/);
    expect(await page.getByTestId('ranking').count()).toBe(0);
    await shot('battle-running');

    // fix is let go first: it is graded, and ranked, while noop still runs.
    const gate = (instance: string) =>
      writeFile(join(home, 'instances', instance, 'workspace', '.git', 'gate'), '');
    await gate(fixId);
    await expect
      .poll(() => card('fix').getAttribute('data-phase'), { timeout: 90_000 })
      .toBe('graded');
    expect(await card('fix').getByTestId('resolved').textContent()).toBe('resolved');
    expect(await card('fix').getByTestId('fixed').textContent()).toBe('1/1');
    expect(await card('fix').getByTestId('broken').textContent()).toBe('0');
    expect(await card('fix').getByTestId('score').textContent()).toBe('score 1.00');
    expect(await card('fix').locator('.breakdown').textContent()).toContain('resolved+0.50');
    expect(await card('noop').getAttribute('data-phase')).toBe('running');
    const ranking = page.locator('.ranking');
    expect(await ranking.getAttribute('data-final')).toBe('false');
    expect(await ranking.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/^#1 fix/),
    ]);
    await shot('battle-partly-graded');

    // Then noop: graded, not resolved; the ranking is final and the battle graded.
    await gate(noopId);
    await expect.poll(() => ranking.getAttribute('data-final'), { timeout: 90_000 }).toBe('true');
    expect(await card('noop').getByTestId('resolved').textContent()).toBe('not resolved');
    expect(await card('noop').getByTestId('fixed').textContent()).toBe('0/1');
    expect(await ranking.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/^#1 fix/),
      expect.stringMatching(/^#2 noop/),
    ]);
    await expect.poll(() => page.locator('.battle .page-head .badge').textContent()).toBe('graded');
    expect(await card('fix').getByTestId('rank').textContent()).toBe('#1');
    const cli = await battleRun;
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.json<{ winner: string }>().winner).toBe('fix');
    await shot('battle-graded');

    // What the page read: the battle's results as the API gives them.
    const auth = { authorization: `Bearer ${token}` };
    const results = await http(`${serving.url}/v1/battles/${id}/results`, { headers: auth });
    expect(results.status, results.body).toBe(200);
    const body = JSON.parse(results.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      battle: id,
      ranking: [
        { name: 'fix', rank: 1 },
        { name: 'noop', rank: 2 },
      ],
      grades: {
        fix: { resolved: true, score: 1, failToPass: { total: 1, passed: 1 } },
        noop: { resolved: false, score: 0, failToPass: { total: 1, passed: 0 } },
      },
      base: {
        counts: { passed: 0, failed: 1, skipped: 0, errored: 0 },
        exitCode: 1,
        failure: null,
      },
    });
    const missing = await http(`${serving.url}/v1/battles/battle-zzzzz/results`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('BATTLE_NOT_FOUND');

    // Merge refused (an uncommitted change in the way): the engine's message, as text.
    await repo.write('src/date.js', 'export function nextDay(day) {\n  return day;\n}\n');
    await page.getByRole('button', { name: 'Merge into main' }).click();
    await expect
      .poll(() => page.getByTestId('merge-error').textContent(), { timeout: 30_000 })
      .toMatch(/^Merging .* failed: .*Commit or stash your changes/);
    expect(await page.getByTestId('merged').count()).toBe(0);

    // Merge: the winner's fix lands on the branch the battle started from.
    repo.git('checkout', '--', 'src/date.js');
    expect(repo.show('main', 'src/date.js')).toContain('day + 2');
    await page.getByRole('button', { name: 'Merge into main' }).click();
    await expect
      .poll(() => page.getByTestId('merge-result').textContent(), { timeout: 30_000 })
      .toMatch(/^fix’s branch .* went into main/);
    await expect
      .poll(() => page.getByTestId('merged').textContent())
      .toMatch(/^Merged fix into main/);
    expect(await page.getByRole('button', { name: /^Merge into/ }).count()).toBe(0);
    expect(repo.show('main', 'src/date.js')).toContain('day + 1');
    expect(await page.getByTestId('merge-error').count()).toBe(0);
    await shot('battle-merged');

    // Dark, and on a phone.
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('battle-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('phone-dark-battle');
    await page.emulateMedia({ colorScheme: 'light' });
    await shot('phone-battle');

    // The list has it graded, with its winner.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('link', { name: 'Battles', exact: true }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('graded');
    expect(await row.locator('td.winner').textContent()).toBe('fix');
    await shot('battles');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('battles-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('phone-dark-battles');
    expect(csp).toEqual([]);
  });
});
