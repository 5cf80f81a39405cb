/**
 * One change at a time to bundles that verify, each refused at the step it breaks: the
 * artifact, the identity policy, the trusted root's CAs, CT logs, tlogs and TSAs, the SET,
 * the inclusion proof, the checkpoint, the RFC 3161 token, the media type and shape, and the
 * key of a key-signed bundle. Bases: sigstore-java's production v0.3 hashedrekord bundle (SET +
 * proof), the conformance suite's Rekor v2 bundle (RFC 3161 only, staging root) and its
 * managed-key bundle.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pemBlocks } from '../../../src/core/pem.js';
import { checkBody } from '../../../src/core/bundle/body-match.js';
import { parseBundle } from '../../../src/core/bundle/bundle-json.js';
import { verifyCertificateChain } from '../../../src/core/bundle/certificate-chain.js';
import { verifySctsForLeaf } from '../../../src/core/bundle/sct.js';
import { BundleVerificationError, verifyBundle, type BundleFailure, type VerifyBundleOptions } from '../../../src/core/bundle/verify-bundle.js';
import { nodeCrypto } from '../../../src/node-crypto.js';
import { vectorPath } from '../../helpers/vectors.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tampering walks arbitrary JSON
const load = (rel: string): Json => JSON.parse(readFileSync(vectorPath(`bundles/${rel}`), 'utf8')) as Json;
const clone = <T>(v: T): T => structuredClone(v);
const PROD = load('trusted_root.production.json');
const STAGING = load('trusted_root.staging.json');

/** Flips one bit of a base64 field, keeping it valid base64 of the same length. */
function flip(b64: string, at = -1): string {
  const bytes = Buffer.from(b64, 'base64');
  const i = at < 0 ? bytes.length + at : at;
  bytes[i] = (bytes[i] as number) ^ 0x01;
  return bytes.toString('base64');
}

function refused(code: BundleFailure, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BundleVerificationError, `expected a BundleVerificationError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

// sigstore-java bundle.v3.sigstore: appu@google.com via accounts.google.com, production.
const V3 = load('java/bundle.v3.sigstore');
const ARTIFACT = readFileSync(vectorPath('bundles/java/artifact.txt'));
const IDENTITY = { subject: 'appu@google.com', issuer: 'https://accounts.google.com' };
const base = (over: Partial<VerifyBundleOptions> = {}): VerifyBundleOptions => ({ crypto: nodeCrypto, trustedRoot: PROD, artifact: { bytes: ARTIFACT }, identity: IDENTITY, ...over });
const entry0 = (b: Json): Json => b.verificationMaterial.tlogEntries[0];

describe('a production v0.3 hashedrekord bundle', () => {
  it('verifies, proving SET, inclusion, chain, SCT and identity', () => {
    const r = verifyBundle(V3, base());
    assert.deepEqual(r.signer.kind === 'certificate' && [r.signer.subject, r.signer.issuer], ['appu@google.com', 'https://accounts.google.com']);
    assert.deepEqual(r.timestamps.map((t) => t.kind), ['set']);
    assert.equal(r.tlogEntries[0]?.logIdHex, 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d');
    for (const word of ['signed entry timestamp', 'included', 'chains to', 'embedded SCT', 'signed by appu@google.com']) assert.ok(r.checks.some((c) => c.includes(word)), word);
  });
  it('verifies by digest as well as by bytes', () => {
    const digest = { algorithm: 'sha256' as const, value: new Uint8Array(nodeCrypto.digest('sha256', ARTIFACT)) };
    assert.equal(verifyBundle(V3, base({ artifact: { digest } })).signer.kind, 'certificate');
    refused('artifact-mismatch', () => verifyBundle(V3, base({ artifact: { digest: { ...digest, value: new Uint8Array(32) } } })));
    refused('artifact-mismatch', () => verifyBundle(V3, base({ artifact: { digest: { algorithm: 'sha512', value: new Uint8Array(64) } } })));
  });
  it('wrong artifact', () => refused('artifact-mismatch', () => verifyBundle(V3, base({ artifact: { bytes: Buffer.from('not the artifact') } }))));
  it('wrong identity, exact and by regexp', () => {
    refused('identity', () => verifyBundle(V3, base({ identity: { ...IDENTITY, subject: 'mallory@google.com' } })));
    refused('identity', () => verifyBundle(V3, base({ identity: { subjectRegExp: /^bob@/, issuer: IDENTITY.issuer } })));
    assert.equal(verifyBundle(V3, base({ identity: { subjectRegExp: /^appu@google\.com$/, issuerRegExp: /^https:\/\/accounts\.google\.com$/ } })).signer.kind, 'certificate');
  });
  it('wrong issuer', () => {
    refused('issuer', () => verifyBundle(V3, base({ identity: { ...IDENTITY, issuer: 'https://github.com/login/oauth' } })));
    refused('issuer', () => verifyBundle(V3, base({ identity: { subject: IDENTITY.subject, issuerRegExp: /github/ } })));
  });
  it('no identity policy for a certificate bundle, or a key given for one', () => {
    refused('policy', () => verifyBundle(V3, base({ identity: undefined })));
    refused('policy', () => verifyBundle(V3, base({ publicKey: new Uint8Array(10) })));
  });
  it('the certificate outside its CA\'s validFor at the signing time', () => {
    const root = clone(PROD);
    for (const ca of root.certificateAuthorities) ca.validFor = { start: '2021-01-01T00:00:00Z', end: '2022-01-01T00:00:00Z' };
    refused('certificate-validity', () => verifyBundle(V3, base({ trustedRoot: root })));
  });
  it('a chain to an untrusted CA (the staging Fulcio)', () => {
    refused('certificate-chain', () => verifyBundle(V3, base({ trustedRoot: { ...clone(PROD), certificateAuthorities: STAGING.certificateAuthorities } })));
    refused('certificate-chain', () => verifyBundle(V3, base({ trustedRoot: { ...clone(PROD), certificateAuthorities: [] } })));
  });
  it('an SCT that does not verify with the CT log key of its log ID, or from no trusted CT log', () => {
    const root = clone(PROD);
    for (const log of root.ctlogs) log.publicKey.rawBytes = STAGING.ctlogs[0].publicKey.rawBytes;
    refused('sct', () => verifyBundle(V3, base({ trustedRoot: root })));
    refused('sct', () => verifyBundle(V3, base({ trustedRoot: { ...clone(PROD), ctlogs: [] } })));
  });
  it('a bad SET', () => {
    const b = clone(V3);
    entry0(b).inclusionPromise.signedEntryTimestamp = flip(entry0(b).inclusionPromise.signedEntryTimestamp, 20);
    refused('set', () => verifyBundle(b, base()));
  });
  it('a bad inclusion proof: a changed audit path hash, or a proof for another tree size', () => {
    const b = clone(V3);
    entry0(b).inclusionProof.hashes[3] = flip(entry0(b).inclusionProof.hashes[3]);
    refused('inclusion-proof', () => verifyBundle(b, base()));
    const c = clone(V3);
    entry0(c).inclusionProof.treeSize = String(Number(entry0(c).inclusionProof.treeSize) + 1);
    refused('inclusion-proof', () => verifyBundle(c, base()));
  });
  it('a bad checkpoint signature, a wrong signer name, an unsigned checkpoint', () => {
    const b = clone(V3);
    const env: string = entry0(b).inclusionProof.checkpoint.envelope;
    const sig = env.slice(env.lastIndexOf(' ') + 1, -1);
    entry0(b).inclusionProof.checkpoint.envelope = env.replace(sig, flip(sig));
    refused('checkpoint', () => verifyBundle(b, base()));
    const root = clone(PROD);
    root.tlogs[0].baseUrl = 'https://rekor.example.test';
    refused('checkpoint', () => verifyBundle(V3, base({ trustedRoot: root })));
    const c = clone(V3);
    entry0(c).inclusionProof.checkpoint.envelope = env.slice(0, env.indexOf('\n\n') + 2);
    refused('checkpoint', () => verifyBundle(c, base()));
  });
  it('no verified time: no SET and no RFC 3161 timestamp', () => {
    const b = clone(V3);
    delete entry0(b).inclusionPromise;
    refused('timestamp-missing', () => verifyBundle(b, base()));
  });
  it('a log the trusted root does not list, or whose key was not valid at the integrated time', () => {
    refused('tlog-key', () => verifyBundle(V3, base({ trustedRoot: { ...clone(PROD), tlogs: [] } })));
    const root = clone(PROD);
    root.tlogs[0].publicKey.validFor = { start: '2021-01-12T11:53:27Z', end: '2022-01-01T00:00:00Z' };
    refused('tlog-key', () => verifyBundle(V3, base({ trustedRoot: root })));
  });
  it('a v0.1 proof without a checkpoint is set aside, never counted', () => {
    const v1 = load('java/bundle.v1.sigstore');
    delete entry0(v1).inclusionProof.checkpoint;
    entry0(v1).inclusionProof.hashes = [];
    const r = verifyBundle(v1, base());
    assert.ok(r.checks.includes('an inclusion proof without a signed checkpoint was set aside (its root is unsigned)'));
    assert.ok(!r.checks.some((c) => c.includes('is included in')));
    delete entry0(v1).inclusionPromise;
    refused('tlog-missing', () => verifyBundle(v1, base()));
  });
  it('no log entry at all', () => {
    const b = clone(V3);
    b.verificationMaterial.tlogEntries = [];
    refused('tlog-missing', () => verifyBundle(b, base()));
  });
  it('unknown media type', () => {
    refused('media-type', () => verifyBundle({ ...clone(V3), mediaType: 'application/vnd.dev.sigstore.bundle.v0.4+json' }, base()));
    refused('media-type', () => verifyBundle({ ...clone(V3), mediaType: 'application/json' }, base()));
  });
  it('a v0.3 bundle with a certificate chain, a v0.1 bundle without SET, a v0.2 proof without checkpoint', () => {
    const b = clone(V3);
    b.verificationMaterial.x509CertificateChain = { certificates: [b.verificationMaterial.certificate] };
    delete b.verificationMaterial.certificate;
    refused('bundle-format', () => verifyBundle(b, base()));
    const v1 = load('java/bundle.v1.sigstore');
    delete entry0(v1).inclusionPromise;
    refused('tlog-missing', () => verifyBundle(v1, base()));
    const v2 = load('java/bundle.v2.sigstore');
    delete entry0(v2).inclusionProof.checkpoint;
    refused('tlog-missing', () => verifyBundle(v2, base()));
  });
  it('two DSSE signatures, both a message signature and an envelope, or too many timestamps', () => {
    const dsse = load('java/bundle.dsse.sigstore');
    dsse.dsseEnvelope.signatures.push(dsse.dsseEnvelope.signatures[0]);
    refused('bundle-format', () => verifyBundle(dsse, base()));
    refused('bundle-format', () => verifyBundle({ ...clone(V3), dsseEnvelope: load('java/bundle.dsse.sigstore').dsseEnvelope }, base()));
    const many = clone(V3);
    many.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: Array.from({ length: 33 }, () => ({ signedTimestamp: 'MAA=' })) };
    refused('bundle-format', () => verifyBundle(many, base()));
  });
  it('not a bundle at all: a clear error, never a crash', () => {
    for (const junk of [null, 'bundle', 42, [], {}, { mediaType: V3.mediaType }, { ...clone(V3), verificationMaterial: [] }]) refused('bundle-format', () => verifyBundle(junk, base()));
  });
  it('a malformed trusted root', () => {
    refused('trusted-root', () => verifyBundle(V3, base({ trustedRoot: { ...clone(PROD), mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=9' } })));
    const root = clone(PROD);
    delete root.tlogs[0].publicKey.validFor.start;
    refused('trusted-root', () => verifyBundle(V3, base({ trustedRoot: root })));
    refused('trusted-root', () => verifyBundle(V3, base({ trustedRoot: 'not a root' })));
  });
  it('a logged body that records another signature or kind', () => {
    const parsed = parseBundle(V3);
    const e = parsed.tlogEntries[0];
    assert.ok(e && parsed.content.kind === 'message' && parsed.signer.kind === 'certificate');
    const keys = { certificateDer: parsed.signer.leafDer, spki: new Uint8Array() };
    const digest = { algorithm: 'sha256' as const, value: new Uint8Array(nodeCrypto.digest('sha256', ARTIFACT)) };
    const otherSig = { ...parsed.content, signature: new Uint8Array(parsed.content.signature.length) };
    assert.match(checkBody(nodeCrypto, e, parsed.content, keys, 'sha256', digest), /hashedrekord\/0\.0\.1/);
    refused('body-mismatch', () => checkBody(nodeCrypto, e, otherSig, keys, 'sha256', digest));
    refused('body-mismatch', () => checkBody(nodeCrypto, e, parsed.content, keys, 'sha256', { ...digest, value: new Uint8Array(32) }));
    refused('body-mismatch', () => checkBody(nodeCrypto, { ...e, kind: 'dsse' }, parsed.content, keys, 'sha256', digest));
    refused('body-mismatch', () => checkBody(nodeCrypto, e, parsed.content, { certificateDer: new Uint8Array([1]), spki: new Uint8Array() }, 'sha256', digest));
  });
  it('the chain and SCT helpers the UI and CLI use, directly', () => {
    const leaf = Buffer.from(V3.verificationMaterial.certificate.rawBytes, 'base64');
    const at = new Date(Number(entry0(V3).integratedTime) * 1000);
    const { chain, authority } = verifyCertificateChain(leaf, PROD, at, nodeCrypto);
    assert.equal(chain.length, 3);
    assert.match(authority, /sigstore/);
    const scts = verifySctsForLeaf(leaf, (chain[1] as { der: Uint8Array }).der, PROD, nodeCrypto);
    assert.equal(scts.length, 1);
    assert.equal(scts[0]?.logIdHex, 'dd3d306ac6c7113263191e1c99673702a24a5eb8de3cadff878a72802f29ee8e');
    refused('certificate-validity', () => verifyCertificateChain(leaf, PROD, new Date(at.getTime() + 3600_000), nodeCrypto));
    // The SCT is over the precert as issued by the intermediate: the root's key hash does not verify.
    refused('sct', () => verifySctsForLeaf(leaf, (chain[2] as { der: Uint8Array }).der, PROD, nodeCrypto));
  });
});

describe('a Rekor v2 bundle with an RFC 3161 timestamp', () => {
  const B = load('conformance/rekor2-happy-path/bundle.sigstore.json');
  const ROOT = load('conformance/rekor2-happy-path/trusted_root.json');
  const opts = (over: Partial<VerifyBundleOptions> = {}): VerifyBundleOptions => ({
    crypto: nodeCrypto,
    trustedRoot: ROOT,
    artifact: { bytes: readFileSync(vectorPath('bundles/conformance/a.txt')) },
    identity: { subject: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main', issuer: 'https://token.actions.githubusercontent.com' },
    ...over,
  });
  const tokens = (b: Json): Json => b.verificationMaterial.timestampVerificationData.rfc3161Timestamps;
  it('verifies, its only time from the TSA', () => {
    const r = verifyBundle(B, opts());
    assert.deepEqual(r.timestamps.map((t) => t.kind), ['rfc3161']);
    assert.equal(r.tlogEntries[0]?.integratedTime, 0);
  });
  it('a token whose signature is broken', () => {
    const b = clone(B);
    tokens(b)[0].signedTimestamp = flip(tokens(b)[0].signedTimestamp, -5);
    refused('rfc3161', () => verifyBundle(b, opts()));
  });
  it('a token that is not DER', () => {
    const b = clone(B);
    tokens(b)[0].signedTimestamp = Buffer.from('not a timestamp').toString('base64');
    refused('rfc3161', () => verifyBundle(b, opts()));
  });
  it('a TSA outside its validFor, or none in the trusted root', () => {
    const root = clone(ROOT);
    for (const tsa of root.timestampAuthorities) tsa.validFor = { start: '2020-01-01T00:00:00Z', end: '2021-01-01T00:00:00Z' };
    refused('rfc3161', () => verifyBundle(B, opts({ trustedRoot: root })));
    refused('rfc3161', () => verifyBundle(B, opts({ trustedRoot: { ...clone(ROOT), timestampAuthorities: [] } })));
  });
  it('no timestamp at all', () => {
    const b = clone(B);
    b.verificationMaterial.timestampVerificationData = {};
    refused('timestamp-missing', () => verifyBundle(b, opts()));
  });
  it('an Ed25519 checkpoint signature that does not verify', () => {
    const b = clone(B);
    const env: string = entry0(b).inclusionProof.checkpoint.envelope;
    const lines = env.split('\n');
    const i = lines.findIndex((l) => l.startsWith('\u2014 '));
    const parts = (lines[i] as string).split(' ');
    parts[2] = flip(parts[2] as string);
    lines[i] = parts.join(' ');
    entry0(b).inclusionProof.checkpoint.envelope = lines.join('\n');
    refused('checkpoint', () => verifyBundle(b, opts()));
  });
});

describe('a key-signed bundle', () => {
  const B = load('conformance/managed-key-happy-path/bundle.sigstore.json');
  const KEY = pemBlocks(readFileSync(vectorPath('bundles/conformance/managed-key-happy-path/key.pub'), 'utf8'))[0]?.der as Uint8Array;
  const WRONG = pemBlocks(readFileSync(vectorPath('bundles/conformance/managed-key-wrong-key_fail/key.pub'), 'utf8'))[0]?.der as Uint8Array;
  const opts = (over: Partial<VerifyBundleOptions> = {}): VerifyBundleOptions => ({ crypto: nodeCrypto, trustedRoot: PROD, artifact: { bytes: readFileSync(vectorPath('bundles/conformance/a.txt')) }, publicKey: KEY, ...over });
  it('verifies with its key; identity is not used', () => {
    const r = verifyBundle(B, opts({ identity: { subject: 'ignored' } }));
    assert.deepEqual(r.signer, { kind: 'key' });
    assert.ok(r.timestamps.length >= 1);
  });
  it('refuses another key, no key, a wrong artifact', () => {
    refused('public-key', () => verifyBundle(B, opts({ publicKey: WRONG })));
    refused('policy', () => verifyBundle(B, opts({ publicKey: undefined })));
    refused('policy', () => verifyBundle(B, opts({ publicKey: new Uint8Array([1, 2, 3]) })));
    refused('artifact-mismatch', () => verifyBundle(B, opts({ artifact: { bytes: Buffer.from('other') } })));
  });
  it('tlog checks still apply', () => {
    const b = clone(B);
    delete entry0(b).inclusionPromise;
    b.verificationMaterial.timestampVerificationData = {};
    refused('timestamp-missing', () => verifyBundle(b, opts()));
  });
});
