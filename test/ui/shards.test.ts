/**
 * The search UI across a log key rotation, in a real browser: an entry of the frozen shard and
 * one of the new shard, opened by global log index, both verify in the page — with the keys of
 * this server's trusted_root.json (which lists both shard keys) and, without one, with the keys
 * of /api/v1/log/publicKey for the shard in use and every inactive shard.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { runCli } from '../helpers/cli.js';
import { usingPostgres } from '../helpers/db.js';
import { hashedrekord } from '../helpers/hostile-keys.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser, OpenedPages, settled, SKIP_BROWSER, type UiPage } from './helpers/browser.js';

describe('search UI across a log key rotation', { skip: SKIP_BROWSER, timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  const pages = new OpenedPages(() => browser, () => server.url);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  let n = 0;
  const logOne = async (): Promise<number> => {
    const artifact = `an artifact around a rotation ${n++}`;
    const res = await fetch(`${server.url}/api/v1/log/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hashedrekord(pem, sign('sha256', Buffer.from(artifact), privateKey), artifact)),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    return (Object.values(JSON.parse(text) as Record<string, { logIndex: number }>)[0] as { logIndex: number }).logIndex;
  };
  let before1: number;
  let after1: number;

  before(async () => {
    browser = await launchBrowser();
    server = await startTestServer({ SEALHOUSE_ROTATION_POLL_MS: '200' });
    await logOne();
    before1 = await logOne();
    const oldTree = ((await (await fetch(`${server.url}/api/v1/log`)).json()) as { treeID: string }).treeID;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a shard cannot be rotated in the second it started
    const rotated = await runCli(['rotate', 'log'], { env: { ...process.env, ...server.env } });
    assert.equal(rotated.status, 0, rotated.stderr);
    // On Postgres the server learns of it at its next poll or entry; on PGlite it did the rotation itself.
    for (let i = 0; i < 100 && ((await (await fetch(`${server.url}/api/v1/log`)).json()) as { treeID: string }).treeID === oldTree; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    after1 = await logOne();
    assert.ok(after1 > before1);
    assert.ok(usingPostgres() || rotated.stdout.includes('switched already'));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(() => pages.assertClean());

  const open = async (path: string, setup?: (page: Page) => Promise<unknown>): Promise<UiPage> => {
    const p = await pages.open();
    await setup?.(p.page);
    await p.page.goto(path);
    await settled(p.page);
    return p;
  };
  const verdict = (p: UiPage): Promise<string | null> => p.page.locator('.verification [data-verdict]').getAttribute('data-verdict');
  const reason = async (p: UiPage): Promise<string> => p.page.locator('.verification .verdict-reason').innerText();

  it('verifies an entry of the frozen shard and one of the new shard with the served trusted root', async () => {
    for (const index of [before1, after1]) {
      const p = await open(`/?logIndex=${index}`);
      assert.equal(await p.page.locator('.trust').getAttribute('data-trust'), 'server-root');
      assert.equal(await verdict(p), 'verified', `log index ${index}: ${await reason(p)}`);
    }
  });

  it('without a trusted root, verifies both with the keys of the shard in use and the inactive shards', async () => {
    const noRoot = (pg: Page) => pg.route('**/trusted_root.json', (r) => r.fulfill({ status: 404, contentType: 'application/json', body: '{"code":404,"message":"no such path"}' }));
    for (const index of [before1, after1]) {
      const p = await open(`/?logIndex=${index}`, noRoot);
      assert.equal(await p.page.locator('.trust').getAttribute('data-trust'), 'server-key');
      // A bare-key entry has no identity to vouch for: the log checks decide, with each shard's own key.
      assert.equal(await verdict(p), 'verified', `log index ${index}: ${await reason(p)}`);
    }
  });
});
