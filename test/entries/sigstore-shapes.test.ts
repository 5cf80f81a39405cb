/**
 * Real sigstore-js 4.x request shapes (fulcio-and-clients.md §6.2): @sigstore/sign's own bundle
 * builders and RekorWitness POST to a loopback server, which canonicalizes exactly the JSON
 * received. Covers hashedrekord (sign), dsse (attest) and intoto 0.0.2 (legacyCompatibility).
 */
import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { canonicalizeProposedEntry, type CanonicalEntry } from '../../src/entries/index.js';
import { makeCert, testKey, type TestCert } from './fixtures.js';

const received: { proposed: unknown; entry?: CanonicalEntry; error?: unknown }[] = [];
let server: Server;
let url: string;
let leaf: TestCert;

before(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const proposed: unknown = JSON.parse(text);
      canonicalizeProposedEntry(proposed).then(
        (entry) => {
          received.push({ proposed, entry });
          const uuid = entry.leafHash.toString('hex');
          res.writeHead(201, { 'content-type': 'application/json', etag: uuid, location: `/api/v1/log/entries/${uuid}` });
          res.end(JSON.stringify({ [uuid]: { body: entry.body.toString('base64'), integratedTime: 1, logID: '00'.repeat(32), logIndex: 0, verification: {} } }));
        },
        (error: unknown) => {
          received.push({ proposed, error });
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 400, message: String(error) }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const root = await makeCert({ cn: 'sigstore', key: await testKey('P-384'), ca: true });
  leaf = await makeCert({
    cn: '',
    key: await testKey('P-256'),
    issuer: root,
    sans: { email: ['Dev@Example.com'], fulcioUsername: 'dev' },
  });
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function certSigner(): Signer {
  return { sign: async (data) => ({ signature: sign('sha256', data, leaf.key.privateKey), key: { $case: 'x509Certificate', certificate: leaf.pem } }) };
}

function keySigner(): Signer {
  return { sign: async (data) => ({ signature: sign('sha256', data, leaf.key.privateKey), key: { $case: 'publicKey', publicKey: leaf.key.pem } }) };
}

function witness(entryType?: 'dsse' | 'intoto'): RekorWitness {
  return new RekorWitness({ rekorBaseURL: url, ...(entryType === undefined ? {} : { entryType }), retry: 0 });
}

function last(): { proposed: unknown; entry?: CanonicalEntry; error?: unknown } {
  const r = received[received.length - 1];
  assert.ok(r !== undefined, 'the witness posted an entry');
  if (r.error !== undefined) throw r.error;
  return r;
}

const statement = Buffer.from(
  JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'pkg:npm/x@1.0.0', digest: { sha512: 'AB'.repeat(64) } }],
    predicateType: 'https://slsa.dev/provenance/v0.2',
    predicate: { materials: [{ uri: 'git+https://example.com/x', digest: { sha1: '12'.repeat(20) } }] },
  }),
);

describe('sigstore-js 4.x proposed entries', () => {
  it('sign(): hashedrekord with the leaf certificate', async () => {
    const data = Buffer.from('artifact bytes');
    const bundle = await new MessageSignatureBundleBuilder({ signer: certSigner(), witnesses: [witness()] }).create({ data });
    const { proposed, entry } = last();
    assert.ok(entry !== undefined);
    // hashedrekord's canonical body equals what sigstore-js sent (its PEM is already Go-style).
    assert.deepEqual(JSON.parse(entry.body.toString()), proposed);
    const tlog = bundle.verificationMaterial.tlogEntries[0];
    assert.equal(Buffer.from(tlog?.canonicalizedBody ?? Buffer.alloc(0)).toString(), entry.body.toString());
    const digest = createHash('sha256').update(data).digest('hex');
    assert.deepEqual(entry.indexKeys, [
      createHash('sha256').update(leaf.pem).digest('hex'),
      'dev@example.com',
      'dev',
      `sha256:${digest}`,
    ]);
  });

  it('sign(): hashedrekord with a bare public key', async () => {
    await new MessageSignatureBundleBuilder({ signer: keySigner(), witnesses: [witness()] }).create({ data: Buffer.from('x') });
    const { entry } = last();
    assert.equal(entry?.indexKeys.length, 2);
  });

  it('attest(): dsse 0.0.1 stores hashes and the signature, never the envelope', async () => {
    const bundle = await new DSSEBundleBuilder({ signer: certSigner(), witnesses: [witness('dsse')] }).create({
      data: statement,
      type: 'application/vnd.in-toto+json',
    });
    const { proposed, entry } = last();
    assert.ok(entry !== undefined);
    const envelope = (proposed as { spec: { proposedContent: { envelope: string } } }).spec.proposedContent.envelope;
    const body = JSON.parse(entry.body.toString()) as { spec: Record<string, unknown> };
    const sig = bundle.content.$case === 'dsseEnvelope' ? bundle.content.dsseEnvelope.signatures[0]?.sig.toString('base64') : '';
    assert.deepEqual(body.spec, {
      envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(envelope).digest('hex') },
      payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(statement).digest('hex') },
      signatures: [{ signature: sig, verifier: Buffer.from(leaf.pem).toString('base64') }],
    });
    assert.ok(entry.indexKeys.includes(`sha256:${createHash('sha256').update(leaf.pem).digest('hex')}`));
    assert.ok(entry.indexKeys.includes(`sha512:${'ab'.repeat(64)}`), 'subject digest, lower-cased');
    assert.ok(entry.indexKeys.includes(`sha1:${'12'.repeat(20)}`), 'SLSA material digest');
    assert.ok(entry.indexKeys.includes('dev@example.com') && entry.indexKeys.includes('dev'));
  });

  it('attest({legacyCompatibility}): intoto 0.0.2 is the proposed entry minus the payload', async () => {
    await new DSSEBundleBuilder({ signer: certSigner(), witnesses: [witness('intoto')] }).create({
      data: statement,
      type: 'application/vnd.in-toto+json',
    });
    const { proposed, entry } = last();
    assert.ok(entry !== undefined);
    const expected = structuredClone(proposed) as { spec: { content: { envelope: { payload?: string } } } };
    delete expected.spec.content.envelope.payload;
    assert.deepEqual(JSON.parse(entry.body.toString()), expected);
    assert.ok(entry.indexKeys.includes(`sha256:${createHash('sha256').update(statement).digest('hex')}`));
  });
});
