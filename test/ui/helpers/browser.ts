/**
 * Debian's chromium driven by playwright-core for the search-UI tests. No browser download:
 * scripts/install-browser.sh installs /usr/bin/chromium. Without it the tests fail with that
 * instruction, unless SEALHOUSE_SKIP_BROWSER=1 says to skip them.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Set when the browser tests should be skipped; the string says why. */
export const SKIP_BROWSER: string | false = process.env.SEALHOUSE_SKIP_BROWSER === '1' ? 'SEALHOUSE_SKIP_BROWSER=1' : false;

// Compiled tests run from dist/test/ui/helpers; screenshots go to the source tree (gitignored).
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'test', 'ui', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium is not installed at ${CHROMIUM}: run scripts/install-browser.sh (or set SEALHOUSE_SKIP_BROWSER=1 to skip the browser tests)`);
  }
  // launch() gives every run a fresh temporary profile (user-data dir) and removes it on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface UiPage {
  readonly page: Page;
  /** Uncaught page errors and console errors seen so far: the UI must show problems, not only log them. */
  readonly errors: string[];
  /** Requests to anything but the server under test (there must be none: no CDN, no outside network). */
  readonly outside: string[];
}

export async function openPage(browser: Browser, baseUrl: string, viewport = { width: 1200, height: 900 }): Promise<UiPage> {
  const context = await browser.newContext({ viewport, baseURL: baseUrl });
  const page = await context.newPage();
  const errors: string[] = [];
  const outside: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // A 404 for a missing trusted_root.json is an expected network log line, not a page error.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(`console: ${msg.text()}`);
  });
  page.on('request', (req) => {
    if (!req.url().startsWith(baseUrl) && !req.url().startsWith('data:')) outside.push(req.url());
  });
  return { page, errors, outside };
}

/**
 * The pages a test opened; `assertClean()` (run it in afterEach) checks that none of them saw a
 * page or console error, or made a request beyond the server under test.
 */
export class OpenedPages {
  private readonly pages: UiPage[] = [];

  constructor(
    private readonly browser: () => Browser,
    private readonly baseUrl: () => string,
  ) {}

  async open(viewport?: { width: number; height: number }): Promise<UiPage> {
    const p = await openPage(this.browser(), this.baseUrl(), viewport);
    this.pages.push(p);
    return p;
  }

  assertClean(): void {
    for (const p of this.pages.splice(0)) {
      assert.deepEqual(p.errors, [], 'no page or console errors');
      assert.deepEqual(p.outside, [], 'no request leaves the server under test');
    }
  }
}

/** The whole page, or (fullPage false, for phone sizes) what the first screen shows. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Wait until the view finished rendering (ui/main.ts marks it data-state="ready"). */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector('#view[data-state="ready"]');
}
