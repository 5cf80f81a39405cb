/**
 * The entry view in a real browser: a Fulcio-signed entry decoded and verified in the page,
 * identity included (chain and SCT against the trusted root); DSSE and bare-key entries; a
 * forged certificate for alice that the log holds but nothing vouches for; where the keys come
 * from (this server's trusted_root.json or /publicKey, both "not pinned", or a root the user
 * pinned in the browser, the only "Pinned" one); and a failed verdict with its reason whenever
 * the server's answer is tampered with (playwright's page.route).
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { Browser, Page, Route } from 'playwright-core';
import { transparencyLog } from '../../src/trust/trusted-root.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser, OpenedPages, screenshot, settled, SKIP_BROWSER, type UiPage } from './helpers/browser.js';
import { ALICE, logForgedAlice, seedAll, WORKFLOW, type Logged, type Seeded } from './helpers/seed.js';

type Json = Record<string, Record<string, unknown> & { body: string; integratedTime: number; verification: { signedEntryTimestamp: string; inclusionProof: { hashes: string[]; checkpoint: string } } }>;

describe('search UI: the entry view and verification in the browser', { skip: SKIP_BROWSER }, () => {
  let server: TestServer;
  let browser: Browser;
  let data: Seeded;
  let forged: Logged;
  /** This server's trusted_root.json, as an auditor would have obtained it out of band. */
  let servedRoot = '';
  const pages = new OpenedPages(() => browser, () => server.url);

  const trustedRoot = (spki: Buffer): string =>
    JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [transparencyLog({ baseUrl: server.url, publicKey: spki, validFrom: new Date('2020-01-01T00:00:00Z') })] });
  const otherKey = (): Buffer => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });

  before(async () => {
    browser = await launchBrowser();
    server = await startTestServer();
    data = await seedAll(server.url, server.dataDir, 2);
    forged = await logForgedAlice(server.url);
    servedRoot = await (await fetch(`${server.url}/trusted_root.json`)).text();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(() => pages.assertClean());

  const page = async (setup?: (page: Page) => Promise<unknown>): Promise<UiPage> => {
    const p = await pages.open();
    await setup?.(p.page);
    return p;
  };
  const visit = async (p: UiPage, path: string): Promise<void> => {
    await p.page.goto(path);
    await settled(p.page);
  };
  const verdict = (p: UiPage): Promise<string | null> => p.page.locator('.verification [data-verdict]').getAttribute('data-verdict');
  const reason = async (p: UiPage): Promise<string> => p.page.locator('.verification .verdict-reason').innerText();
  const text = async (p: UiPage, selector: string): Promise<string> => (await p.page.locator(selector).first().innerText()).replace(/\s+/g, ' ');

  it('decodes and verifies a Fulcio-signed hashedrekord entry', async () => {
    const p = await page();
    await visit(p, `/?uuid=${data.workflow.uuid}`);
    assert.equal(await verdict(p), 'verified', await reason(p));
    assert.match(await reason(p), /SET and inclusion proof and signed checkpoint/);
    assert.match(await text(p, '.verification .verdict'), new RegExp(`Identity verified: ${WORKFLOW.replace(/[.?/]/g, '\\$&')} \\(issuer https://token\\.actions\\.githubusercontent\\.com\\): issued by .*SCT from CT log`));
    const statuses = await p.page.locator('.checks [data-check]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-check')}:${e.getAttribute('data-status')}`));
    assert.deepEqual(statuses, ['request:ok', 'uuid:ok', 'log-key:ok', 'set:ok', 'checkpoint:ok', 'inclusion:ok', 'cert-time:ok', 'signature:ok', 'identity:ok']);
    assert.equal(await p.page.locator('.certificate [data-identity]').first().getAttribute('data-identity'), 'verified');

    assert.match(await text(p, 'article.entry dl'), new RegExp(`Entry UUID ${data.workflow.uuid} Entry ID ${data.workflow.id} Kind hashedrekord 0.0.1 Log index ${data.workflow.index}`));
    assert.match(await text(p, 'article.entry dl'), /Integrated time \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \((now|\d+ seconds? ago)\)/);
    // The certificate, read independently by node:crypto from the PEM the page shows.
    const pem = await p.page.locator('.certificate details pre').last().textContent();
    const node = new X509Certificate(pem ?? '');
    const cert = await text(p, '.certificate');
    assert.match(cert, new RegExp(`Serial number ${node.serialNumber.toLowerCase()}`));
    assert.match(cert, /Issuer O=sealhouse, CN=sealhouse-intermediate Subject \(empty\)/);
    assert.match(cert, /Validity .* \(10 minutes; expires in/);
    assert.match(cert, /Key usage Digital Signature Extended key usage Code Signing/);
    assert.match(cert, /Signed certificate timestamps .* by CT log/);
    const fulcio = await p.page.locator('.ext-table tbody tr').evaluateAll((rows) => rows.map((r) => `${r.querySelector('th')?.textContent}=${r.querySelector('td:last-child')?.textContent}`));
    assert.equal(fulcio.length, 23, 'every 1.3.6.1.4.1.57264.1.x extension but the .7 SAN type');
    for (const want of ['OIDC Issuer=https://token.actions.githubusercontent.com', `Build Signer URI=${WORKFLOW}`, 'Source Repository URI=https://github.com/octo-org/octo-repo', 'Source Repository Ref=refs/heads/main', 'Source Repository Digest=8f3d1c2b7a6e5d4c3b2a19f8e7d6c5b4a3928170', 'Runner Environment=github-hosted', 'GitHub Workflow Repository (deprecated)=octo-org/octo-repo', 'Token Subject=repo:octo-org/octo-repo:ref:refs/heads/main']) {
      assert.ok(fulcio.includes(want), `${want} in ${fulcio.join(' | ')}`);
    }
    await screenshot(p.page, '10-entry-fulcio-verified');

    // Identities and hashes link to their searches.
    await p.page.getByRole('link', { name: `Search entries for ${WORKFLOW}` }).first().click();
    await settled(p.page);
    assert.match(p.page.url(), /\?subject=https%3A%2F%2Fgithub\.com/);
    assert.equal(await p.page.locator('.result').count(), 2);
    await p.page.goBack();
    await settled(p.page);
    await p.page.getByRole('link', { name: `Search entries with hash ${data.workflow.hash}` }).click();
    await settled(p.page);
    assert.match(await text(p, 'h1'), /1 entry for artifact hash/);
  });

  it('decodes a DSSE entry and an entry signed with a bare public key', async () => {
    const p = await page();
    await visit(p, `/?uuid=${data.dsse.uuid}`);
    assert.equal(await verdict(p), 'verified', await reason(p));
    assert.match(await text(p, '.body'), /dsse 0.0.1: a signed DSSE envelope .* Payload hash sha256:[0-9a-f]{64} Envelope hash sha256:[0-9a-f]{64} Signatures 1/);
    assert.equal(await p.page.locator('[data-check="signature"]').getAttribute('data-status'), 'skipped');
    await screenshot(p.page, '11-entry-dsse');

    await visit(p, `/?logIndex=${data.plainKey.index}`);
    assert.equal(await verdict(p), 'verified', await reason(p));
    assert.match(await text(p, '.body'), /Public key Algorithm ECDSA P-256 SHA-256 of the key [0-9a-f]{64} PEM -----BEGIN PUBLIC KEY-----/);
    assert.equal(await p.page.locator('[data-check="cert-time"]').getAttribute('data-status'), 'skipped');
    await p.page.locator('summary', { hasText: 'Raw body (decoded JSON)' }).click();
    assert.match(await text(p, '.raw details[open] pre'), /"kind": "hashedrekord"/);
  });

  it('calls keys from this server "not pinned", whether from its trusted_root.json or /publicKey', async () => {
    const p = await page();
    await visit(p, `/?uuid=${data.workflow.uuid}`);
    assert.equal(await p.page.locator('.trust').getAttribute('data-trust'), 'server-root');
    assert.match(await text(p, '.trust'), /^⚠ From this server — not pinned: its own \/trusted_root\.json/);
    assert.doesNotMatch(await text(p, '.verification'), /Pinned/);
    assert.equal(await verdict(p), 'verified', await reason(p));
    assert.match(await text(p, '.verdict strong'), /^Verified \(against keys from this server, not pinned\)$/);

    // Only the log key: the log checks pass, and no identity can be vouched for.
    const fallback = await page((pg) => pg.route('**/trusted_root.json', (r) => r.fulfill({ status: 404, contentType: 'application/json', body: '{"code":404,"message":"no such path"}' })));
    await visit(fallback, `/?uuid=${data.workflow.uuid}`);
    assert.equal(await verdict(fallback), 'log-only', await reason(fallback));
    assert.match(await text(fallback, '.trust'), /From this server — not pinned: GET \/api\/v1\/log\/publicKey/);
    assert.match(await reason(fallback), /identity NOT verified: only the log key is trusted/);
    await screenshot(fallback.page, '12-entry-key-not-pinned');
  });

  it('a self-signed certificate for alice, logged as Rekor allows: log checks pass, identity NOT verified', async () => {
    const p = await page();
    await visit(p, `/?uuid=${forged.uuid}`);
    assert.equal(await verdict(p), 'log-only', await reason(p));
    assert.match(await text(p, '.verdict strong'), /Log checks passed .*— identity NOT verified/);
    assert.match(await reason(p), /^identity NOT verified: certificate does not chain to the trusted CA/);
    const statuses = await p.page.locator('.checks [data-check]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-check')}:${e.getAttribute('data-status')}`));
    assert.deepEqual(statuses, ['request:ok', 'uuid:ok', 'log-key:ok', 'set:ok', 'checkpoint:ok', 'inclusion:ok', 'cert-time:ok', 'signature:ok', 'identity:failed']);
    // Beside the SAN, too: the certificate panel does not look like alice's real ones.
    assert.match(await text(p, '.certificate'), /Subject alternative name email: alice@example\.com Identity ⚠ NOT verified/);
    await screenshot(p.page, '15-entry-forged-identity');

    // In alice's results it stands out from her real entries.
    await visit(p, `/?email=${encodeURIComponent(ALICE)}`);
    const cards = await p.page.locator('.result').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-uuid')}:${e.querySelector('.badge')?.getAttribute('data-verdict')}`));
    assert.deepEqual(cards, [...data.alice.map((a) => `${a.uuid}:verified`), `${forged.uuid}:log-only`]);
    const card = p.page.locator(`.result[data-uuid="${forged.uuid}"]`);
    assert.match((await card.innerText()).replace(/\s+/g, ' '), /⚠ logged, identity NOT verified .*alice@example\.com via https:\/\/accounts\.example\.com \(identity NOT verified\)/);
  });

  it('fails, with the reason, when the trusted root names another key; a root pinned in the browser wins, and can be removed', async () => {
    const p = await page((pg) => pg.route('**/trusted_root.json', (r) => r.fulfill({ contentType: 'application/json', body: trustedRoot(otherKey()) })));
    await visit(p, `/?uuid=${data.workflow.uuid}`);
    assert.equal(await verdict(p), 'failed');
    assert.match(await reason(p), /Signed by a trusted log key: the entry's log ID [0-9a-f]{64} is not a trusted log/);

    await visit(p, '/?view=log');
    await p.page.fill('#pin-root', '{"not": "a trusted root"}');
    await p.page.getByRole('button', { name: 'Pin' }).click();
    assert.match(await text(p, '[role="alert"]'), /Not pinned.*not a usable trusted root: .*mediaType: missing/);
    await p.page.fill('#pin-root', servedRoot);
    await Promise.all([p.page.waitForEvent('load'), p.page.getByRole('button', { name: 'Pin' }).click()]);
    await settled(p.page);
    await visit(p, `/?uuid=${data.workflow.uuid}`);
    assert.equal(await verdict(p), 'verified', await reason(p));
    assert.equal(await p.page.locator('.trust').getAttribute('data-trust'), 'pinned');
    assert.match(await text(p, '.trust'), /^Trusted root: Pinned: the trusted_root\.json you saved in this browser/);
    assert.match(await text(p, '.verdict strong'), /^Verified$/);

    // Removing the pin goes back to what the server serves (here: the wrong key).
    await visit(p, '/?view=log');
    await Promise.all([p.page.waitForEvent('load'), p.page.getByRole('button', { name: 'Remove the pinned root' }).click()]);
    await settled(p.page);
    await visit(p, `/?uuid=${data.workflow.uuid}`);
    assert.equal(await verdict(p), 'failed');
    assert.equal(await p.page.locator('.trust').getAttribute('data-trust'), 'server-root');
  });

  it('a trusted root whose log key validity has "end": null verifies (an open end)', async () => {
    const root = JSON.parse(servedRoot) as { tlogs: { publicKey: { validFor: Record<string, unknown> } }[] };
    for (const t of root.tlogs) t.publicKey.validFor.end = null;
    const p = await page((pg) => pg.route('**/trusted_root.json', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify(root) })));
    await visit(p, `/?uuid=${data.workflow.uuid}`);
    assert.equal(await verdict(p), 'verified', await reason(p));
  });

  it('pins a trusted root chosen as a file', async () => {
    const p = await page();
    await visit(p, '/?view=log');
    await Promise.all([
      p.page.waitForEvent('load'),
      p.page.setInputFiles('#pin-file', { name: 'trusted_root.json', mimeType: 'application/json', buffer: Buffer.from(servedRoot) }),
    ]);
    await settled(p.page);
    assert.match(await text(p, 'div[data-trust="pinned"]'), /In use: Pinned: the trusted_root\.json you saved in this browser/);
    await visit(p, `/?uuid=${data.workflow.uuid}`);
    assert.equal(await verdict(p), 'verified', await reason(p));
    assert.equal(await p.page.locator('.trust').getAttribute('data-trust'), 'pinned');
  });

  const tampered = async (name: string, change: (doc: Json, id: string) => void, expect: RegExp, shot?: string): Promise<void> => {
    const p = await page((pg) =>
      pg.route(`**/api/v1/log/entries/${data.workflow.uuid}`, async (route: Route) => {
        const res = await route.fetch();
        const doc = (await res.json()) as Json;
        change(doc, Object.keys(doc)[0] as string);
        await route.fulfill({ response: res, json: doc });
      }),
    );
    await visit(p, `/?uuid=${data.workflow.uuid}`);
    assert.equal(await verdict(p), 'failed', `${name}: ${await reason(p)}`);
    assert.match(await reason(p), expect, name);
    if (shot) await screenshot(p.page, shot);
  };

  it('shows a failed verification, and why, when the server\'s answer is tampered with', async () => {
    const other = (await (await fetch(`${server.url}/api/v1/log/entries/${data.alice[0]?.uuid}`)).json()) as Json;
    const otherEntry = Object.values(other)[0];
    assert.ok(otherEntry);
    await tampered('body: another artifact hash', (doc, id) => {
      const body = JSON.parse(Buffer.from(doc[id]?.body ?? '', 'base64').toString());
      body.spec.data.hash.value = 'f'.repeat(64);
      (doc[id] as { body: string }).body = Buffer.from(JSON.stringify(body)).toString('base64');
    }, /Entry UUID is the hash of the body: the body hashes to [0-9a-f]{64}, but the entry is named/, '13-entry-tampered-body');
    await tampered('SET of another entry', (doc, id) => {
      (doc[id] as Json[string]).verification.signedEntryTimestamp = otherEntry.verification.signedEntryTimestamp;
    }, /Signed entry timestamp \(SET\): the SET does not verify/);
    await tampered('integratedTime moved', (doc, id) => {
      // Later, not earlier: an earlier time would first fall before the key's validity start.
      (doc[id] as Json[string]).integratedTime += 3600;
    }, /Signed entry timestamp \(SET\): the SET does not verify/);
    await tampered('audit path hash changed', (doc, id) => {
      const hashes = (doc[id] as Json[string]).verification.inclusionProof.hashes;
      hashes[0] = '0'.repeat(64);
    }, /Inclusion proof \(RFC 6962\): the audit path leads to root [0-9a-f]{64}, not the checkpoint's root/);
    await tampered('checkpoint size changed', (doc, id) => {
      const proof = (doc[id] as Json[string]).verification.inclusionProof;
      proof.checkpoint = proof.checkpoint.replace(/\n(\d+)\n/, (_m, n: string) => `\n${Number(n) + 1}\n`);
    }, /Checkpoint signed by the log: the checkpoint signature does not verify with the trusted log key/, '14-entry-tampered-checkpoint');
    await tampered('another entry answered', (doc, id) => {
      const otherId = Object.keys(other)[0] as string;
      delete doc[id];
      doc[otherId] = otherEntry;
    }, /The answer is the entry asked for: asked for UUID [0-9a-f]{64}, got/);
  });

  it('marks tampered entries in a result list', async () => {
    const p = await page((pg) =>
      pg.route('**/api/v1/log/entries/retrieve', async (route: Route) => {
        const res = await route.fetch();
        const list = (await res.json()) as Json[];
        const first = list[0] as Json;
        const id = Object.keys(first)[0] as string;
        (first[id] as Json[string]).verification.signedEntryTimestamp = (Object.values(list[1] as Json)[0] as Json[string]).verification.signedEntryTimestamp;
        await route.fulfill({ response: res, json: list });
      }),
    );
    await visit(p, `/?subject=${encodeURIComponent(WORKFLOW)}`);
    const badges = await p.page.locator('.result .badge').evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict')));
    assert.deepEqual(badges, ['failed', 'verified']);
    assert.match((await p.page.locator('.result .badge').first().getAttribute('title')) ?? '', /SET does not verify/);
  });

  it('a checkpoint with a wrong key hint fails in a list even after the genuine one was verified', async () => {
    const p = await page((pg) =>
      pg.route('**/api/v1/log/entries/retrieve', async (route: Route) => {
        const res = await route.fetch();
        const list = (await res.json()) as Json[];
        // The second entry: no SET (so only the checkpoint can prove it), and the same
        // checkpoint as the first but with its key hint changed; the signature bytes stay.
        const second = Object.values(list[1] as Json)[0] as Json[string];
        delete (second.verification as Partial<Json[string]['verification']>).signedEntryTimestamp;
        second.verification.inclusionProof.checkpoint = second.verification.inclusionProof.checkpoint.replace(/^(\u2014 \S+ )(\S+)$/m, (_m, head: string, b64: string) => {
          const raw = Buffer.from(b64, 'base64');
          raw[0] = (raw[0] as number) ^ 0xff;
          return `${head}${raw.toString('base64')}`;
        });
        await route.fulfill({ response: res, json: list });
      }),
    );
    await visit(p, `/?subject=${encodeURIComponent(WORKFLOW)}`);
    const badges = await p.page.locator('.result .badge').evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict')));
    assert.deepEqual(badges, ['verified', 'failed']);
    assert.match((await p.page.locator('.result .badge').last().getAttribute('title')) ?? '', /key hint/);
  });
});
