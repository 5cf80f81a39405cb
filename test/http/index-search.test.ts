/**
 * POST /api/v1/index/retrieve (rekor-api.md §1.10): entry IDs by e-mail, subject, artifact hash
 * and public key, with `or` (default) and `and`. Keys are lower-cased; bare hex hashes get the
 * prefix their length implies; a key or certificate is found whatever its PEM wrapping.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { freshKey, makeCert } from '../entries/fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { create, get, hashedrekord, keySigner, only, post, type EntrySigner, type ErrorBody } from './rekor-client.js';

const WORKFLOW = 'https://github.com/octo/repo/.github/workflows/release.yml@refs/heads/main';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let server: TestServer;
let url: string;
const signers: Record<'alice' | 'workflow' | 'bare', EntrySigner> = {} as never;
const ids: Record<'alice' | 'workflow' | 'bare' | 'other', string> = {} as never;
const sharedArtifact = 'the artifact alice and the bare key both signed';
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

async function search(query: unknown): Promise<string[]> {
  const reply = await post<string[]>(url, '/api/v1/index/retrieve', query);
  assert.equal(reply.status, 200, reply.text);
  return [...reply.json].sort();
}

before(async () => {
  server = await startTestServer();
  url = server.url;
  const alice = await makeCert({ cn: '', key: await freshKey('P-256'), sans: { email: ['Alice@Example.com'] } });
  const workflow = await makeCert({ cn: '', key: await freshKey('P-256'), sans: { uri: [WORKFLOW] } });
  signers.alice = { privateKey: alice.key.privateKey, pem: alice.pem };
  signers.workflow = { privateKey: workflow.key.privateKey, pem: workflow.pem };
  signers.bare = keySigner();
  ids.alice = (await create(url, hashedrekord(sharedArtifact, signers.alice))).id;
  ids.workflow = (await create(url, hashedrekord('a release', signers.workflow))).id;
  ids.bare = (await create(url, hashedrekord(sharedArtifact, signers.bare))).id;
  ids.other = (await create(url, hashedrekord('unrelated'))).id;
});
after(() => server.close());

describe('POST /api/v1/index/retrieve', () => {
  it('finds by e-mail SAN, case-insensitively, and answers 80-hex IDs that resolve', async () => {
    assert.deepEqual(await search({ email: 'alice@example.com' }), [ids.alice]);
    assert.deepEqual(await search({ email: 'ALICE@EXAMPLE.COM' }), [ids.alice]);
    const [id] = only((await get(url, `/api/v1/log/entries/${ids.alice}`)).json);
    assert.equal(id, ids.alice);
    assert.deepEqual(await search({ email: 'nobody@example.com' }), []);
  });

  it('finds by subject (a URI SAN)', async () => {
    assert.deepEqual(await search({ subject: WORKFLOW }), [ids.workflow]);
  });

  it('finds by artifact hash, prefixed or bare, any case', async () => {
    const digest = sha256(sharedArtifact);
    const both = [ids.alice, ids.bare].sort();
    assert.deepEqual(await search({ hash: `sha256:${digest}` }), both);
    assert.deepEqual(await search({ hash: digest }), both);
    assert.deepEqual(await search({ hash: digest.toUpperCase() }), both);
    assert.deepEqual(await search({ hash: 'ab'.repeat(20) }), [], 'a bare sha1 is looked up as sha1:');
  });

  it('finds by public key or certificate (x509), whatever the PEM line endings', async () => {
    assert.deepEqual(await search({ publicKey: { format: 'x509', content: b64(signers.bare.pem) } }), [ids.bare]);
    assert.deepEqual(await search({ publicKey: { format: 'x509', content: b64(signers.alice.pem.replace(/\n/g, '\r\n')) } }), [ids.alice]);
  });

  it('unites with "or" (the default) and intersects with "and"', async () => {
    const digest = sha256(sharedArtifact);
    assert.deepEqual(await search({ email: 'alice@example.com', subject: WORKFLOW }), [ids.alice, ids.workflow].sort());
    assert.deepEqual(await search({ email: 'alice@example.com', subject: WORKFLOW, operator: 'or' }), [ids.alice, ids.workflow].sort());
    assert.deepEqual(await search({ email: 'alice@example.com', hash: digest, operator: 'and' }), [ids.alice]);
    assert.deepEqual(await search({ email: 'alice@example.com', subject: WORKFLOW, operator: 'and' }), []);
    const key = { format: 'x509', content: b64(signers.bare.pem) };
    assert.deepEqual(await search({ publicKey: key, hash: `sha256:${digest}`, operator: 'and' }), [ids.bare]);
  });

  it('explains what is wrong with a search it cannot run', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{}, 400, /^a search needs at least one of email, subject, hash or publicKey$/],
      [{ operator: 'and' }, 400, /needs at least one of/],
      [{ publicKey: { format: 'pgp', content: b64('x') } }, 400, /^the PKI format requested is not supported by this server: pgp/],
      [{ publicKey: { format: 'ssh', content: b64('ssh-ed25519 AAAA') } }, 400, /not supported by this server: ssh/],
      [{ publicKey: { format: 'x509', content: b64('not a key') } }, 400, /^public key provided could not be parsed: .*no PEM block found/],
      [{ publicKey: { format: 'x509' } }, 400, /publicKey.content is required/],
      [{ publicKey: { format: 'gpg', content: b64('x') } }, 422, /publicKey.format must be equal to one of the allowed values/],
      [{ publicKey: { format: 'x509', content: '%%%' } }, 422, /publicKey.content must match format "byte"/],
      [{ email: 'not-an-address' }, 422, /email must match format "email"/],
      [{ hash: 'sha256:abc' }, 422, /hash must match pattern/],
      [{ hash: `md5:${'a'.repeat(32)}` }, 422, /hash must match pattern/],
      [{ subject: '' }, 422, /subject must NOT have fewer than 1 characters/],
      [{ email: 'alice@example.com', operator: 'xor' }, 422, /operator must be equal to one of the allowed values/],
    ];
    for (const [query, status, message] of cases) {
      const reply = await post<ErrorBody>(url, '/api/v1/index/retrieve', query);
      assert.equal(reply.status, status, JSON.stringify(query));
      assert.equal(reply.json.code, status);
      assert.match(reply.json.message, message, JSON.stringify(query));
    }
  });
});
