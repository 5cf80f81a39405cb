/**
 * The search UI in a real browser (Debian chromium via playwright-core) against a live
 * Sealhouse: searching by every attribute from the URL and from the form, paging, and the
 * readable messages for empty results, unknown entries, malformed input and API failures.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser, OpenedPages, screenshot, settled, SKIP_BROWSER, type UiPage } from './helpers/browser.js';
import { ALICE, COMMIT, seedAll, sha256Hex, WORKFLOW, type Seeded } from './helpers/seed.js';

/** Evaluated in the page (this tsconfig has no DOM types). */
const HORIZONTAL_OVERFLOW = 'document.documentElement.scrollWidth - document.documentElement.clientWidth';

describe('search UI: finding entries', { skip: SKIP_BROWSER }, () => {
  let server: TestServer;
  let browser: Browser;
  let data: Seeded;
  const pages = new OpenedPages(() => browser, () => server.url);

  before(async () => {
    browser = await launchBrowser();
    server = await startTestServer();
    data = await seedAll(server.url, server.dataDir);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(() => pages.assertClean());

  const open = async (path: string, viewport?: { width: number; height: number }): Promise<UiPage> => {
    const p = await pages.open(viewport);
    await p.page.goto(path);
    await settled(p.page);
    return p;
  };
  const uuids = async (p: UiPage): Promise<string[]> => p.page.locator('.result').evaluateAll((els) => els.map((e) => e.getAttribute('data-uuid') ?? ''));
  const text = async (p: UiPage, selector: string): Promise<string> => (await p.page.locator(selector).first().innerText()).replace(/\s+/g, ' ');

  it('shows the latest entries on the start page, each verified in the browser', async () => {
    const p = await open('/');
    assert.match(await text(p, 'h1'), /Search the transparency log/);
    assert.match(await text(p, '#recent-h'), /the log has 27/);
    assert.equal(await p.page.locator('.result').count(), 10);
    assert.equal((await uuids(p))[0], data.plainKey.uuid, 'newest first');
    assert.equal(await p.page.locator('.result [data-verdict="verified"]').count(), 10);
    await screenshot(p.page, '01-home-latest-entries');
  });

  it('finds an email\'s entries in log order, 20 a page, with links between pages', async () => {
    const p = await open(`/?email=${encodeURIComponent(ALICE)}`);
    assert.match(await text(p, 'h1'), /23 entries for email alice@example\.com/);
    assert.match(await text(p, '.showing'), /Showing 1–20 of 23, oldest first/);
    assert.deepEqual(await uuids(p), data.alice.slice(0, 20).map((e) => e.uuid));
    assert.equal(await p.page.locator('.result [data-verdict="verified"]').count(), 20);
    assert.match(await text(p, '.result'), /alice@example\.com via https:\/\/accounts\.example\.com/);
    await screenshot(p.page, '02-email-results-page-1');

    await p.page.getByRole('link', { name: /Next page/ }).click();
    await settled(p.page);
    assert.match(p.page.url(), /[?&]page=2/);
    assert.match(await text(p, '.showing'), /Showing 21–23 of 23/);
    assert.deepEqual(await uuids(p), data.alice.slice(20).map((e) => e.uuid));
    await p.page.goBack();
    await settled(p.page);
    assert.deepEqual(await uuids(p), data.alice.slice(0, 20).map((e) => e.uuid), 'back returns to page 1');
  });

  it('finds by artifact hash (with or without sha256:), by Git commit SHA and by identity URI', async () => {
    const bare = data.workflow.hash.slice('sha256:'.length);
    for (const q of [`hash=${data.workflow.hash}`, `hash=${bare}`, `hash=${bare.toUpperCase()}`]) {
      const p = await open(`/?${q}`);
      assert.match(await text(p, 'h1'), /^1 entry for artifact hash/);
      assert.deepEqual(await uuids(p), [data.workflow.uuid], q);
    }
    // The DSSE entry is found by the digest of its in-toto subject.
    const subject = await open(`/?hash=${data.dsse.subjectDigest}`);
    assert.deepEqual(await uuids(subject), [data.dsse.uuid]);

    const commit = await open(`/?commitSha=${COMMIT}`);
    assert.deepEqual(await uuids(commit), [data.gitsign.uuid]);
    assert.match(await text(commit, 'main'), new RegExp(`logged under sha256:${sha256Hex(COMMIT)}`));
    await screenshot(commit.page, '03-commit-sha-results');

    const wf = await open(`/?subject=${encodeURIComponent(WORKFLOW)}`);
    assert.deepEqual(await uuids(wf), [data.workflow.uuid, data.dsse.uuid]);
  });

  it('opens an entry by UUID (64 or 80 hex) and by log index', async () => {
    for (const q of [`uuid=${data.workflow.uuid}`, `uuid=${data.workflow.id}`, `uuid=${data.workflow.uuid.toUpperCase()}`, `logIndex=${data.workflow.index}`]) {
      const p = await open(`/?${q}`);
      assert.equal(await p.page.locator('article.entry').getAttribute('data-uuid'), data.workflow.uuid, q);
      assert.equal(await p.page.locator('.verification [data-verdict]').getAttribute('data-verdict'), 'verified', q);
    }
  });

  it('searches from the form, with the keyboard only, and keeps the search in the URL', async () => {
    const p = await open('/');
    await p.page.keyboard.press('Tab'); // skip link
    await p.page.keyboard.press('Tab'); // brand
    await p.page.keyboard.press('Tab'); // Search
    await p.page.keyboard.press('Tab'); // Log
    await p.page.keyboard.press('Tab');
    assert.equal(await p.page.evaluate('document.activeElement?.id'), 'search-attribute');
    await p.page.selectOption('#search-attribute', 'commitSha');
    await p.page.keyboard.press('Tab');
    assert.equal(await p.page.evaluate('document.activeElement?.id'), 'search-value');
    await p.page.keyboard.type(COMMIT);
    await p.page.keyboard.press('Enter');
    await settled(p.page);
    assert.match(p.page.url(), new RegExp(`\\?commitSha=${COMMIT}$`));
    assert.deepEqual(await uuids(p), [data.gitsign.uuid]);
    assert.equal(await p.page.evaluate('document.activeElement?.tagName'), 'H1', 'focus moves to the results');
    // The form shows the search the URL names.
    await p.page.goto(`/?email=${encodeURIComponent(ALICE)}`);
    await settled(p.page);
    assert.equal(await p.page.inputValue('#search-attribute'), 'email');
    assert.equal(await p.page.inputValue('#search-value'), ALICE);
  });

  it('explains empty results, unknown entries and malformed input in words', async () => {
    const none = await open('/?email=nobody%40example.com');
    assert.match(await text(none, 'h1'), /0 entries for email/);
    assert.match(await text(none, '.notice.empty'), /No entry in this log matches email "nobody@example\.com"/);
    await screenshot(none.page, '04-empty-result');

    const empty = await pages.open();
    await empty.page.route('**/api/v1/log', async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...((await res.json()) as object), treeSize: 0 } });
    });
    await empty.page.goto('/');
    await settled(empty.page);
    assert.match(await text(empty, '.notice.empty'), /The log is empty: nothing has been logged yet/);

    const unknown = await open(`/?uuid=${'0'.repeat(64)}`);
    assert.match(await text(unknown, 'main'), /This log has no entry with UUID 0{64}/);
    const past = await open('/?logIndex=999999');
    assert.match(await text(past, 'main'), /This log has no entry with log index 999999/);

    const badUrl = await open('/?uuid=not-a-uuid');
    assert.match(await text(badUrl, '[role="alert"]'), /Check the search.*"not-a-uuid" is not an entry UUID/);

    const form = await open('/');
    await form.page.selectOption('#search-attribute', 'hash');
    await form.page.fill('#search-value', 'xyz');
    await form.page.click('button[type="submit"]');
    assert.match(await text(form, '#search-error'), /"xyz" is not a SHA-256 hash/);
    assert.equal(await form.page.getAttribute('#search-value', 'aria-invalid'), 'true');
    assert.equal(new URL(form.page.url()).search, '', 'nothing fetched for bad input');
    await form.page.fill('#search-value', COMMIT);
    await form.page.click('button[type="submit"]');
    assert.match(await text(form, '#search-error'), /look like a Git commit SHA/);
    await screenshot(form.page, '05-malformed-input');
  });

  it('shows API errors and an unreachable server as messages, not a blank page', async () => {
    const p = await pages.open();
    await p.page.route('**/api/v1/index/retrieve', (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ code: 500, message: 'the index is on fire' }) }));
    await p.page.goto(`/?email=${encodeURIComponent(ALICE)}`);
    await settled(p.page);
    assert.match(await text(p, '[role="alert"]'), /The log answered with an error.*500.*Code 500: the index is on fire/);
    await screenshot(p.page, '06-api-error');

    await p.page.route('**/api/v1/log/entries/**', (route) => route.abort('connectionrefused'));
    await p.page.goto(`/?uuid=${data.workflow.uuid}`);
    await settled(p.page);
    assert.match(await text(p, '[role="alert"]'), /The log cannot be reached.*Could not reach the Sealhouse API/);

    await p.page.route('**/api/v1/log/entries?logIndex=*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"a":1,"b":2}' }));
    await p.page.goto('/?logIndex=0');
    await settled(p.page);
    assert.match(await text(p, '[role="alert"]'), /not a Rekor log entry: it has 2 keys instead of exactly one/);
    p.errors.splice(0); // the aborted request logs a console network error by design
  });

  it('fits a phone screen', async () => {
    const p = await open(`/?email=${encodeURIComponent(ALICE)}`, { width: 390, height: 844 });
    const overflow = await p.page.evaluate<number>(HORIZONTAL_OVERFLOW);
    assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
    await screenshot(p.page, '07-phone-email-results', false);
    const entry = await open(`/?uuid=${data.workflow.uuid}`, { width: 390, height: 844 });
    const entryOverflow = await entry.page.evaluate<number>(HORIZONTAL_OVERFLOW);
    assert.ok(entryOverflow <= 0, `no horizontal scrolling on the entry view (overflow ${entryOverflow}px)`);
    await screenshot(entry.page, '08-phone-entry', false);
  });
});
