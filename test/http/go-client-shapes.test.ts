/**
 * Request shapes the Go clients send (sigstore-2026.md §2), on a live server: `null` members
 * are absent (rekor's generated models and Fulcio's legacy client write `null` for unset slices
 * and pointers), the logged body is the one of the same request without them, a required field
 * sent as `null` is still refused and the message says so, and undeclared query parameters are
 * ignored on every GET endpoint of both APIs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificatesFromPem } from '../../src/core/pem.js';
import { dropNullMembers } from '../../src/http/go-client-shapes.js';
import { keyPair, openssl } from '../ca/fixtures.js';
import { TestIdp } from '../oidc/loopback-idp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, create, dsseEntry, get, hashedrekord, only, post, type ErrorBody } from './rekor-client.js';

const EMAIL = 'gopher@example.com';

describe('dropNullMembers', () => {
  it('removes null members at any depth, keeps null array elements and reports the paths', () => {
    const body: unknown = { a: null, b: { c: null, d: 1 }, e: [{ f: null }, null], g: 'x' };
    assert.deepEqual(dropNullMembers(body).sort(), ['a', 'b.c', 'e.0.f']);
    assert.deepEqual(body, { b: { d: 1 }, e: [{}, null], g: 'x' });
    assert.deepEqual(dropNullMembers(null), []);
  });

  it('walks a body nested 200,000 deep without overflowing the stack', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(200_000)}null${'}'.repeat(200_000)}`) as unknown;
    assert.equal(dropNullMembers(deep).length, 1);
  });
});

describe('Go client request shapes', () => {
  let idp: TestIdp;
  let server: TestServer;
  let issuer: string;
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-go-shapes-'));

  before(async () => {
    idp = await TestIdp.start();
    issuer = await idp.issuer('/corp');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `oidc-issuers:\n  ${issuer}:\n    issuer-url: ${issuer}\n    client-id: sigstore\n    type: email\n`);
    server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: config });
  });
  after(async () => {
    await server?.close();
    await idp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const token = (): Promise<string> => idp.token('/corp', { sub: 'g-1', email: EMAIL, email_verified: true });
  const pop = (k: ReturnType<typeof keyPair>): string => sign('sha256', Buffer.from(EMAIL), k.privateKey).toString('base64');
  const csrOf = (k: ReturnType<typeof keyPair>): string =>
    Buffer.from(openssl((d) => ['req', '-new', '-key', `${d}/key.pem`, '-subj', '/CN=ignored', '-sha256'], { 'key.pem': k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string })).toString('base64');

  async function refused(path: string, body: unknown, status: number, message: RegExp, headers: Record<string, string> = {}): Promise<void> {
    const started = Date.now();
    const reply = await post<ErrorBody>(server.url, path, body, headers);
    assert.equal(reply.status, status, reply.text);
    assert.match(reply.json.message, message);
    assert.ok(Date.now() - started < 5000, 'answered promptly');
  }

  describe('Rekor', () => {
    it('dsse 0.0.1 with "signatures": null beside proposedContent (cosign attest) is logged with the body of the same entry without it', async () => {
      const proposed = dsseEntry(Buffer.from('{"_type":"https://in-toto.io/Statement/v1","subject":[]}'));
      const withNull = { ...proposed, spec: { ...proposed.spec, signatures: null, envelopeHash: null, payloadHash: null } };
      const { id, entry } = await create(server.url, withNull);
      const again = await post<ErrorBody>(server.url, '/api/v1/log/entries', proposed);
      assert.equal(again.status, 409, 'the same canonical body, hence a duplicate');
      assert.match(again.headers.get('location') ?? '', new RegExp(`${id}$`));
      const body = JSON.parse(Buffer.from(entry.body as string, 'base64').toString('utf8')) as { spec: Record<string, unknown> };
      assert.deepEqual(Object.keys(body.spec).sort(), ['envelopeHash', 'payloadHash', 'signatures']);
      assert.ok(!Buffer.from(entry.body as string, 'base64').toString('utf8').includes('null'), 'no null reaches the stored body');
    });

    it('entries/retrieve with "entryUUIDs": null, "logIndexes": null (cosign verify without a bundle) and with "entries": null', async () => {
      const proposed = hashedrekord('go retrieve');
      const { id } = await create(server.url, proposed);
      const plain = await post<unknown[]>(server.url, '/api/v1/log/entries/retrieve', { entries: [proposed] });
      const goShape = await post<unknown[]>(server.url, '/api/v1/log/entries/retrieve', { entryUUIDs: null, logIndexes: null, entries: [proposed] });
      assert.equal(goShape.status, 200, goShape.text);
      assert.equal(goShape.json.length, 1);
      assert.deepEqual(goShape.json, plain.json);
      const byUuid = await post<unknown[]>(server.url, '/api/v1/log/entries/retrieve', { entryUUIDs: [id], logIndexes: null, entries: null });
      assert.equal(byUuid.status, 200, byUuid.text);
      assert.equal(only(byUuid.json[0])[0], id);
      const nothing = await post<unknown[]>(server.url, '/api/v1/log/entries/retrieve', { entryUUIDs: null, logIndexes: null, entries: null });
      assert.equal(nothing.status, 200, nothing.text);
      assert.deepEqual(nothing.json, []);
    });

    it('index/retrieve with every unset field null (rekor-cli search)', async () => {
      const proposed = hashedrekord('go index');
      const { id } = await create(server.url, proposed);
      const reply = await post<string[]>(server.url, '/api/v1/index/retrieve', { email: null, subject: null, publicKey: null, operator: null, hash: `sha256:${proposed.spec.data.hash.value}` });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.json, [id]);
    });

    it('a required field sent as null is refused (422) and the message says it was null', async () => {
      const h = hashedrekord('required nulls');
      await refused('/api/v1/log/entries', { ...h, spec: { ...h.spec, data: null } }, 422, /^spec\.data in body is required \(spec\.data was sent as null, which means absent\)$/);
      await refused('/api/v1/log/entries', { ...h, kind: null }, 422, /required property 'kind' \(kind was sent as null, which means absent\)$/);
      await refused('/api/v1/log/entries', { ...h, apiVersion: null }, 422, /apiVersion in body is required \(apiVersion was sent as null/);
      const d = dsseEntry(Buffer.from('{}'));
      await refused('/api/v1/log/entries', { ...d, spec: { proposedContent: { ...d.spec.proposedContent, envelope: null } } }, 422, /^spec\.proposedContent\.envelope in body is required \(spec\.proposedContent\.envelope was sent as null/);
      await refused('/api/v1/log/entries', { ...d, spec: { proposedContent: null } }, 422, /^spec\.proposedContent in body is required/);
      await refused('/api/v1/index/retrieve', { publicKey: { format: null, content: 'AAAA' } }, 422, /requestBody\.publicKey must have required property 'format' \(publicKey\.format was sent as null/);
      await refused('/api/v1/log/entries/retrieve', { entryUUIDs: null, entries: [{ ...h, spec: { ...h.spec, signature: null } }] }, 422, /spec\.signature in body is required \(entries\.0\.spec\.signature was sent as null/);
      // Values, not absent members: still refused.
      await refused('/api/v1/log/entries/retrieve', { logIndexes: [null] }, 422, /logIndexes\.0 must be integer/);
      await refused('/api/v1/log/entries', null, 422, /the request body must be a JSON object, not null/);
      assert.equal((await get(server.url, '/api/v1/log')).status, 200, 'the server still answers');
    });

    it('ignores undeclared query parameters on every GET endpoint, and still checks the declared ones', async () => {
      const { id } = await create(server.url, hashedrekord('query params'));
      for (const path of ['/api/v1/log?stable=true', '/api/v1/log/publicKey?stable=true&x=1', '/api/v1/log/proof?lastSize=1&stable=true', '/api/v1/log/entries?logIndex=0&stable=true', `/api/v1/log/entries/${id}?stable=true`]) {
        const reply = await get(server.url, path);
        assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      }
      const head = await call(server.url, 'HEAD', '/api/v1/log?stable=true');
      assert.equal(head.status, 200);
      const bad = await get<ErrorBody>(server.url, '/api/v1/log/entries?logIndex=-1&stable=true');
      assert.equal(bad.status, 422);
      assert.match(bad.json.message, /logIndex must be >= 0/);
      assert.equal((await get(server.url, '/api/v1/log/proof?stable=true')).status, 422, 'a missing required parameter is still refused');
    });

    it('a body of 60,000 null members (near the 1 MiB limit) and one nested 150,000 deep are answered promptly and the server still answers', async () => {
      const members = Array.from({ length: 60_000 }, (_, i) => `"k${i}":null`).join(',');
      const started = Date.now();
      const reply = await post<unknown[]>(server.url, '/api/v1/log/entries/retrieve', `{${members}}`);
      const ms = Date.now() - started;
      assert.equal(reply.status, 200, reply.text);
      assert.ok(ms < 5000, `took ${ms} ms`);
      console.log(`# 60,000 null members: ${ms} ms`);
      const deepStarted = Date.now();
      const deep = await post(server.url, '/api/v1/log/entries/retrieve', `{"x":${'{"a":'.repeat(150_000)}null${'}'.repeat(150_000)}}`);
      const deepMs = Date.now() - deepStarted;
      assert.ok(deep.status < 500, `a 150,000-deep body: ${deep.status} ${deep.text.slice(0, 200)}`);
      assert.ok(deepMs < 5000, `took ${deepMs} ms`);
      console.log(`# 150,000-deep nulls: ${deepMs} ms, ${deep.status}`);
      assert.equal((await get(server.url, '/api/v1/log')).status, 200);
    });
  });

  describe('Fulcio', () => {
    it('v1 signingCert as the Go legacy client sends it: key mode with "certificateSigningRequest": null', async () => {
      const k = keyPair('P-256');
      const body = { publicKey: { content: Buffer.from(k.pem).toString('base64'), algorithm: 'ecdsa' }, signedEmailAddress: pop(k), certificateSigningRequest: null };
      const res = await post(server.url, '/api/v1/signingCert', body, { authorization: `Bearer ${await token()}` });
      assert.equal(res.status, 201, res.text);
      assert.equal(certificatesFromPem(res.text).length, 3);
    });

    it('v1 signingCert in CSR mode with "publicKey": {"content": null} and "signedEmailAddress": null', async () => {
      const k = keyPair('P-256');
      const body = { publicKey: { content: null }, signedEmailAddress: null, certificateSigningRequest: csrOf(k) };
      const res = await post(server.url, '/api/v1/signingCert', body, { authorization: `Bearer ${await token()}` });
      assert.equal(res.status, 201, res.text);
    });

    it('v1 signingCert with neither key nor CSR (both null) is refused as Fulcio does', async () => {
      await refused('/api/v1/signingCert', { publicKey: null, signedEmailAddress: null, certificateSigningRequest: null }, 400, /public key not provided/, { authorization: `Bearer ${await token()}` });
    });

    it('v2 signingCert with null for the unset alternative and unset fields (protojson: null is unset)', async () => {
      const k = keyPair('P-256');
      const keyMode = await post(server.url, '/api/v2/signingCert', { credentials: { oidcIdentityToken: await token() }, publicKeyRequest: { publicKey: { algorithm: null, content: k.pem }, proofOfPossession: pop(k) }, certificateSigningRequest: null, public_key_request: null });
      assert.equal(keyMode.status, 200, keyMode.text);
      const csrMode = await post(server.url, '/api/v2/signingCert', { credentials: null, publicKeyRequest: null, certificateSigningRequest: csrOf(k) }, { authorization: `Bearer ${await token()}` });
      assert.equal(csrMode.status, 200, csrMode.text);
      const noKey = await post<ErrorBody>(server.url, '/api/v2/signingCert', { credentials: { oidcIdentityToken: await token() }, publicKeyRequest: { publicKey: { content: null }, proofOfPossession: pop(k) } });
      assert.equal(noKey.status, 400, 'a key sent as null is no key');
      assert.equal(noKey.json.code, 3);
    });

    it('ignores undeclared query parameters on its GET endpoints', async () => {
      for (const path of ['/api/v2/trustBundle?stable=true', '/api/v2/configuration?x=1', '/api/v1/rootCert?x=1']) {
        const reply = await get(server.url, path);
        assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      }
    });
  });
});
