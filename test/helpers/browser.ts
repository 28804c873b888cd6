/**
 * The browser the dashboard's end-to-end tests drive: Debian's chromium through
 * playwright-core (headless, no sandbox as root; Playwright's own download is not reachable
 * here), and where their screenshots go (test-results/screenshots/, kept to be looked at).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const chromiumPath = '/usr/bin/chromium';
const shots = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

/** Starts chromium, or fails saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `The dashboard's browser test drives Debian's chromium at ${chromiumPath}, which is missing. Install it: sudo bash scripts/setup-host.sh (or apt-get install chromium).`,
    );
  }
  await mkdir(shots, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
}

/** The whole page as test-results/screenshots/<name>.png. */
export function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}
