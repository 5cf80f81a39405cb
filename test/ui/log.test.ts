/**
 * The log page in a real browser: the head checkpoint verified in the page, and consistency
 * from a size the user saw before to the head (GET /api/v1/log/proof checked in the browser
 * against the head checkpoint's root), including a tampered proof and bad input.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser, OpenedPages, screenshot, settled, SKIP_BROWSER, type UiPage } from './helpers/browser.js';
import { Seeder, throwawayIssuer } from './helpers/seed.js';

describe('search UI: the log page and consistency checks', { skip: SKIP_BROWSER }, () => {
  let server: TestServer;
  let browser: Browser;
  /** The root hash (hex) the log had at size 3, as an auditor would have recorded it. */
  let root3 = '';
  const pages = new OpenedPages(() => browser, () => server.url);

  before(async () => {
    browser = await launchBrowser();
    server = await startTestServer();
    const seeder = new Seeder(server.url, throwawayIssuer()); // bare-key entries only: no certificate is issued
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = { key: privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
    for (let i = 0; i < 3; i++) await seeder.hashedrekord(signer, `artifact ${i}`);
    root3 = ((await (await fetch(`${server.url}/api/v1/log`)).json()) as { rootHash: string }).rootHash;
    for (let i = 3; i < 7; i++) await seeder.hashedrekord(signer, `artifact ${i}`);
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
  const text = async (p: UiPage, selector: string): Promise<string> => (await p.page.locator(selector).first().innerText()).replace(/\s+/g, ' ');
  const consistency = async (p: UiPage): Promise<{ verdict: string | null; text: string }> => ({
    verdict: await p.page.locator('.consistency-result [data-verdict]').getAttribute('data-verdict'),
    text: await text(p, '.consistency-result'),
  });

  it('shows the head: size, root and the checkpoint verified in the browser', async () => {
    const p = await open('/?view=log');
    const head = (await (await fetch(`${server.url}/api/v1/log`)).json()) as { rootHash: string; treeID: string };
    assert.equal(await p.page.locator('[data-verdict]').first().getAttribute('data-verdict'), 'verified');
    assert.match(await text(p, '.verdict'), /Checkpoint verified Signed by the log key over size 7/);
    assert.match(await text(p, '.log dl'), new RegExp(`Tree size 7 Root hash ${head.rootHash} Tree ID ${head.treeID} Origin 127\\.0\\.0\\.1 - ${head.treeID}`));
  });

  it('proves the head extends the tree the user saw, with or without its root', async () => {
    const p = await open('/?view=log');
    await p.page.getByLabel('Tree size you saw before').fill('3');
    await p.page.getByLabel('Root hash at that size (optional, hex or base64)').fill(root3);
    await p.page.getByRole('button', { name: 'Check consistency' }).click();
    await settled(p.page);
    assert.match(p.page.url(), new RegExp(`\\?view=log&from=3&root=${root3}$`), 'the check is in the URL');
    let r = await consistency(p);
    assert.equal(r.verdict, 'verified', r.text);
    assert.match(r.text, new RegExp(`Consistent The head \\(size 7, root [0-9a-f]{64}\\) extends the tree of size 3 with root ${root3} \\(the root you entered\\)`));
    await screenshot(p.page, '20-log-consistent');

    // Without a root the page derives it from the proof; for a power of two (1, 2, 4) the proof
    // cannot carry it, so the server's root is used and confirmed by the proof.
    for (const size of [1, 2, 3, 4, 5, 7]) {
      const q = await open(`/?view=log&from=${size}`);
      r = await consistency(q);
      assert.equal(r.verdict, 'verified', `size ${size}: ${r.text}`);
      if (size === 3) assert.match(r.text, new RegExp(`tree of size 3 with root ${root3} \\(computed from the proof`));
    }
    const b64 = Buffer.from(root3, 'hex').toString('base64');
    r = await consistency(await open(`/?view=log&from=3&root=${encodeURIComponent(b64)}`));
    assert.equal(r.verdict, 'verified', r.text);
  });

  it('fails, with the reason, for a wrong root or a tampered proof', async () => {
    let r = await consistency(await open(`/?view=log&from=3&root=${'ab'.repeat(32)}`));
    assert.equal(r.verdict, 'failed');
    assert.match(r.text, /Consistency not proven the proof leads to root [0-9a-f]{64} at size 3, not the expected abab/);

    const tamper = (page: Page): Promise<unknown> =>
      page.route('**/api/v1/log/proof?firstSize=3&lastSize=7', async (route) => {
        const res = await route.fetch();
        const proof = (await res.json()) as { hashes: string[] };
        proof.hashes[0] = '00'.repeat(32);
        await route.fulfill({ response: res, json: proof });
      });
    const p = await open('/?view=log&from=3', tamper);
    r = await consistency(p);
    assert.equal(r.verdict, 'failed');
    assert.match(r.text, /the proof leads to root [0-9a-f]{64} at size 7, not the checkpoint's root/);
    await screenshot(p.page, '21-log-tampered-proof');

    const forged = await open('/?view=log', (page) =>
      page.route('**/api/v1/log', async (route) => {
        const res = await route.fetch();
        const info = (await res.json()) as { signedTreeHead: string };
        info.signedTreeHead = info.signedTreeHead.replace(/\n7\n/, '\n8\n');
        await route.fulfill({ response: res, json: info });
      }),
    );
    assert.match(await text(forged, '.verdict'), /Checkpoint not verified the checkpoint signature does not verify/);
  });

  it('explains bad input instead of fetching', async () => {
    for (const [from, message] of [['0', /at least 1/], ['99', /The log has 7 entries: choose a size between 1 and 7/], ['abc', /"abc" is not a tree size/]] as const) {
      const p = await open(`/?view=log&from=${from}`);
      assert.match(await text(p, '.consistency-result [role="alert"]'), message);
    }
    const p = await open('/?view=log&from=3&root=nothex');
    assert.match(await text(p, '.consistency-result [role="alert"]'), /64 hex digits or the base64 root line/);
  });
});
