/**
 * dsse 0.0.1 and intoto 0.0.1/0.0.2: multi-signature envelopes, every key type over the PAE,
 * signature sorting, search-form canonicalization, and index keys.
 */
import assert from 'node:assert/strict';
import { constants, createHash, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { isSealhouseError } from '../../src/errors.js';
import { pae } from '../../src/entries/dsse-envelope.js';
import { canonicalizeProposedEntry } from '../../src/entries/index.js';
import { b64, makeCert, testKey, type TestKey } from './fixtures.js';

const TYPE = 'application/vnd.in-toto+json';
const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'CD'.repeat(32) } }] }));

function dsseSign(key: TestKey, body = payload, hash = 'sha256'): string {
  const msg = pae(TYPE, body);
  if (key.spec === 'Ed25519') return b64(sign(null, msg, key.privateKey));
  if (key.spec.startsWith('RSA')) return b64(sign(hash, msg, { key: key.privateKey, padding: constants.RSA_PKCS1_PADDING }));
  return b64(sign(hash, msg, key.privateKey));
}

function dsse(sigs: string[], verifiers: string[], body = payload): object {
  const envelope = JSON.stringify({ payload: b64(body), payloadType: TYPE, signatures: sigs.map((sig) => ({ sig, keyid: '' })) });
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers: verifiers.map((v) => b64(v)) } } };
}

async function rejects(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => isSealhouseError(err, 'invalid_input') && message.test(err.message));
}

describe('dsse 0.0.1', () => {
  it('verifies every key type over the PAE; signatures sorted; verifier order irrelevant', async () => {
    const keys = await Promise.all((['P-256', 'P-384', 'P-521', 'RSA-2048', 'Ed25519'] as const).map((k) => testKey(k)));
    const sigs = keys.map((k) => dsseSign(k));
    const a = await canonicalizeProposedEntry(dsse(sigs, keys.map((k) => k.pem)));
    const b = await canonicalizeProposedEntry(dsse(sigs, [...keys].reverse().map((k) => k.pem)));
    assert.deepEqual(a.body, b.body);
    const spec = (JSON.parse(a.body.toString()) as { spec: { signatures: { signature: string }[] } }).spec;
    assert.deepEqual(spec.signatures.map((s) => s.signature), [...sigs].sort());
    assert.ok(a.indexKeys.includes(`sha256:${'cd'.repeat(32)}`));
    for (const k of keys) assert.ok(a.indexKeys.includes(`sha256:${createHash('sha256').update(k.pem).digest('hex')}`));
  });

  it('accepts P-384 signatures made with SHA-384 as well as SHA-256', async () => {
    const k = await testKey('P-384');
    await canonicalizeProposedEntry(dsse([dsseSign(k, payload, 'sha384')], [k.pem]));
  });

  it('rejects when any signature fails, and when both forms are sent', async () => {
    const [k1, k2] = [await testKey('P-256'), await testKey('Ed25519')];
    await rejects(canonicalizeProposedEntry(dsse([dsseSign(k1), dsseSign(k2)], [k1.pem])), /all signatures must have a key that verifies it: signature 2 of 2/);
    await rejects(canonicalizeProposedEntry(dsse([dsseSign(k1, Buffer.from('other'))], [k1.pem])), /does not verify over the DSSE PAE with the verifier/);
    const both = dsse([dsseSign(k1)], [k1.pem]) as { spec: Record<string, unknown> };
    both.spec.signatures = [];
    await rejects(canonicalizeProposedEntry(both), /but not both/);
    await rejects(canonicalizeProposedEntry(dsse([], [k1.pem])), /DSSE envelope must contain 1 or more signatures/);
  });

  it('search with the canonical fields yields the same leaf as the insert', async () => {
    const root = await makeCert({ cn: 'r', key: await testKey('P-384'), ca: true });
    const leaf = await makeCert({ cn: '', key: await testKey('P-256'), issuer: root, sans: { email: ['x@y.z'] } });
    const inserted = await canonicalizeProposedEntry(dsse([dsseSign(leaf.key)], [leaf.pem]));
    const stored = JSON.parse(inserted.body.toString()) as { apiVersion: string; kind: string; spec: unknown };
    const found = await canonicalizeProposedEntry(stored, { purpose: 'search' });
    assert.deepEqual(found.leafHash, inserted.leafHash);
    assert.ok(inserted.indexKeys.includes('x@y.z'));
    await rejects(canonicalizeProposedEntry(stored), /computed by the server/);
  });
});

describe('intoto', () => {
  it('0.0.1: stores key and server hashes; search by hash finds the same leaf', async () => {
    const k = await testKey('P-256');
    const envelope = JSON.stringify({ payloadType: TYPE, payload: b64(payload), signatures: [{ sig: dsseSign(k) }] });
    const proposed = { apiVersion: '0.0.1', kind: 'intoto', spec: { content: { envelope, hash: { algorithm: 'sha256', value: '00'.repeat(32) } }, publicKey: b64(k.pem.replace(/\n/g, '\r\n')) } };
    const entry = await canonicalizeProposedEntry(proposed);
    const envHash = createHash('sha256').update(envelope).digest('hex');
    const payloadHash = createHash('sha256').update(payload).digest('hex');
    assert.deepEqual(JSON.parse(entry.body.toString()), {
      apiVersion: '0.0.1',
      kind: 'intoto',
      spec: { content: { hash: { algorithm: 'sha256', value: envHash }, payloadHash: { algorithm: 'sha256', value: payloadHash } }, publicKey: b64(k.pem) },
    });
    assert.equal(entry.indexKeys[0], `sha256:${envHash}`);
    const search = { apiVersion: '0.0.1', kind: 'intoto', spec: { content: { hash: { algorithm: 'sha256', value: envHash }, payloadHash: { algorithm: 'sha256', value: payloadHash } }, publicKey: b64(k.pem) } };
    assert.deepEqual((await canonicalizeProposedEntry(search, { purpose: 'search' })).leafHash, entry.leafHash);
    await rejects(canonicalizeProposedEntry(search), /missing envelope content/);
    const other = await testKey('P-384');
    await rejects(canonicalizeProposedEntry({ ...proposed, spec: { ...proposed.spec, publicKey: b64(other.pem) } }), /no signature in the DSSE envelope verifies/);
  });

  it('0.0.2: keyid kept unless empty, keys stored as sent, payloadHash checked, payload required to insert', async () => {
    const k = await testKey('Ed25519');
    const sig = dsseSign(k);
    const content = (extra: object) => ({
      envelope: { payloadType: TYPE, payload: b64(b64(payload)), signatures: [{ keyid: 'my-key', sig: b64(sig), publicKey: b64(k.pem.trimEnd()) }] },
      hash: { algorithm: 'sha256', value: 'ab'.repeat(32) },
      ...extra,
    });
    const entry = await canonicalizeProposedEntry({ apiVersion: '0.0.2', kind: 'intoto', spec: { content: content({}) } });
    const body = JSON.parse(entry.body.toString()) as { spec: { content: { envelope: { signatures: unknown[] }; payloadHash: { value: string } } } };
    assert.deepEqual(body.spec.content.envelope.signatures, [{ keyid: 'my-key', publicKey: b64(k.pem.trimEnd()), sig: b64(sig) }]);
    assert.equal(body.spec.content.payloadHash.value, createHash('sha256').update(payload).digest('hex'));
    await rejects(
      canonicalizeProposedEntry({ apiVersion: '0.0.2', kind: 'intoto', spec: { content: content({ payloadHash: { algorithm: 'sha256', value: 'ee'.repeat(32) } }) } }),
      /payloadHash does not match the envelope payload/,
    );
    const noPayload = content({ payloadHash: { algorithm: 'sha256', value: body.spec.content.payloadHash.value } });
    delete (noPayload.envelope as { payload?: string }).payload;
    await rejects(canonicalizeProposedEntry({ apiVersion: '0.0.2', kind: 'intoto', spec: { content: noPayload } }), /missing envelope content/);
    const found = await canonicalizeProposedEntry({ apiVersion: '0.0.2', kind: 'intoto', spec: { content: noPayload } }, { purpose: 'search' });
    assert.deepEqual(found.leafHash, entry.leafHash);
  });
});
