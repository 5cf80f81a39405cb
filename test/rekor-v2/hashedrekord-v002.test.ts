/**
 * hashedrekord v0.0.2 requests → the stored entry (src/rekor-v2/hashedrekord-v002.ts): every
 * allowed keyDetails, the refusals rekor-tiles makes (missing fields, dsseRequestV002, digest
 * length, bad signature, keys and details off the allow-list), protojson's spellings (proto
 * names, enum numbers, null, URL-safe base64), unknown fields refused, and the body byte for
 * byte against real Rekor v2 bundles (test/vectors/bundles, sigstore-python and sigstore-java
 * against the staging log) and against `canonicalize`.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import { checkBody, pae } from '../../src/core/bundle/body-match.js';
import { isSealhouseError } from '../../src/errors.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { leafHash } from '../../src/merkle/hash.js';
import { hashedRekordEntry, NOT_HASHEDREKORD } from '../../src/rekor-v2/hashedrekord-v002.js';
import { KEY_KINDS, signerFor, v2Request } from './requests.js';

const VECTORS = new URL('../../../test/vectors/bundles/', import.meta.url);

/** Throws invalid_input with a message matching `pattern`. */
function refused(request: unknown, pattern: RegExp): void {
  assert.throws(
    () => hashedRekordEntry(request),
    (err: unknown) => isSealhouseError(err, 'invalid_input') && pattern.test(err.message),
  );
}

type Req = { hashedRekordRequestV002: { digest: string; signature: { content: string; verifier: Record<string, unknown> } } };
const clone = (r: unknown): Req => JSON.parse(JSON.stringify(r)) as Req;

describe('hashedrekord v0.0.2 requests', () => {
  for (const kind of KEY_KINDS) {
    it(`accepts ${kind} and stores the JCS Entry`, () => {
      const { request, digest, signature, signer } = v2Request(kind);
      const entry = hashedRekordEntry(request);
      const body = JSON.parse(entry.body.toString('utf8')) as Record<string, unknown>;
      const hash = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' }[signer.hash];
      assert.deepEqual(body, {
        apiVersion: '0.0.2',
        kind: 'hashedrekord',
        spec: {
          hashedRekordV002: {
            data: { algorithm: hash, digest: digest.toString('base64') },
            signature: { content: signature.toString('base64'), verifier: { keyDetails: kind, publicKey: { rawBytes: signer.spki.toString('base64') } } },
          },
        },
      });
      assert.equal(entry.body.toString('utf8'), canonicalize(body));
      assert.deepEqual(entry.leafHash, leafHash(entry.body));
    });
  }

  for (const file of ['python/staging-rekor-v2.txt.sigstore.json', 'java/bundle-with-rekor-v2-entry.sigstore']) {
    it(`rebuilds the canonicalizedBody of a real v2 bundle byte for byte (${file})`, () => {
      const bundle = JSON.parse(readFileSync(new URL(file, VECTORS), 'utf8')) as { verificationMaterial: { tlogEntries: { canonicalizedBody: string }[] } };
      const stored = Buffer.from(bundle.verificationMaterial.tlogEntries[0]?.canonicalizedBody ?? '', 'base64');
      const spec = (JSON.parse(stored.toString('utf8')) as { spec: { hashedRekordV002: { data: { digest: string }; signature: unknown } } }).spec.hashedRekordV002;
      // The request a client sends for this entry: the digest and the signature with its verifier.
      const entry = hashedRekordEntry({ hashedRekordRequestV002: { digest: spec.data.digest, signature: spec.signature } });
      assert.equal(entry.body.toString('utf8'), stored.toString('utf8'));
    });
  }

  it('accepts a DSSE envelope logged as a hashedrekord over its PAE digest, which core matches to the envelope', () => {
    // sigstore-go pkg/sign/transparency.go: digest = H(PAE(type, payload)), signature = the envelope's.
    const payloadType = 'application/vnd.in-toto+json';
    const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1","subject":[]}');
    const paeBytes = Buffer.from(pae(payloadType, payload));
    for (const kind of ['PKIX_ECDSA_P384_SHA_384', 'PKIX_ED25519_PH'] as const) {
      const { request, signature, signer } = v2Request(kind, paeBytes);
      const entry = hashedRekordEntry(request);
      const tlog = { logIndex: 0, logIdHex: '', kind: 'hashedrekord', version: '0.0.2', integratedTime: 0, body: entry.body };
      const content = { kind: 'dsse' as const, payload, payloadB64: payload.toString('base64'), payloadType, signature, signatureB64: signature.toString('base64') };
      assert.match(checkBody(nodeCrypto, tlog, content, { spki: signer.spki }, signer.hash), /recorded this envelope/);
    }
  });

  it('accepts proto field names, enum numbers, null for unset fields and URL-safe unpadded base64', () => {
    const { request, signer } = v2Request('PKIX_ECDSA_P256_SHA_256');
    const r = clone(request).hashedRekordRequestV002;
    const url = (b64: string): string => Buffer.from(b64, 'base64').toString('base64url');
    const spelled = {
      hashed_rekord_request_v002: {
        digest: url(r.digest),
        signature: { content: url(r.signature.content), verifier: { public_key: { raw_bytes: signer.spki.toString('base64url') }, key_details: 5, x509Certificate: null } },
      },
      dsseRequestV002: null,
    };
    assert.equal(hashedRekordEntry(spelled).body.toString(), hashedRekordEntry(request).body.toString());
  });

  it('refuses dsseRequestV002 and an empty request with rekor-tiles\' message', () => {
    refused({ dsseRequestV002: { envelope: {}, verifiers: [] } }, new RegExp(`^${NOT_HASHEDREKORD}$`));
    refused({}, new RegExp(`^${NOT_HASHEDREKORD}$`));
  });

  it('refuses unknown fields at every level, and a field spelled twice', () => {
    const { request } = v2Request();
    refused({ ...clone(request), extra: 1 }, /unknown field "extra"/);
    const a = clone(request);
    (a.hashedRekordRequestV002 as Record<string, unknown>).digests = 'x';
    refused(a, /unknown field "digests"/);
    const b = clone(request);
    b.hashedRekordRequestV002.signature.verifier.publicKey = { rawBytes: (b.hashedRekordRequestV002.signature.verifier.publicKey as { rawBytes: string }).rawBytes, der: 'x' };
    refused(b, /unknown field "der"/);
    const c = clone(request);
    c.hashedRekordRequestV002.signature.verifier.key_details = 'PKIX_ECDSA_P256_SHA_256';
    refused(c, /duplicate field "keyDetails"/);
    refused('not an object', /expected a JSON object/);
  });

  it('refuses missing parts as rekor-tiles does', () => {
    const { request } = v2Request();
    const noSig = clone(request);
    noSig.hashedRekordRequestV002.signature.content = '';
    refused(noSig, /^invalid hashedrekord request: missing signature$/);
    const noVerifier = clone(request);
    delete (noVerifier.hashedRekordRequestV002.signature as Partial<Req['hashedRekordRequestV002']['signature']>).verifier;
    refused(noVerifier, /missing verifier/);
    const noDigest = clone(request);
    noDigest.hashedRekordRequestV002.digest = '';
    refused(noDigest, /missing digest/);
    const noKey = clone(request);
    delete noKey.hashedRekordRequestV002.signature.verifier.publicKey;
    refused(noKey, /missing signature public key or X.509 certificate/);
    const both = clone(request);
    both.hashedRekordRequestV002.signature.verifier.x509Certificate = { rawBytes: 'AAAA' };
    refused(both, /set only one/);
    const noDetails = clone(request);
    delete noDetails.hashedRekordRequestV002.signature.verifier.keyDetails;
    refused(noDetails, /keyDetails is required/);
  });

  it('refuses a digest of the wrong length for its algorithm', () => {
    for (const kind of ['PKIX_ECDSA_P256_SHA_256', 'PKIX_ECDSA_P384_SHA_384', 'PKIX_ED25519_PH'] as const) {
      const r = clone(v2Request(kind).request);
      r.hashedRekordRequestV002.digest = randomBytes(20).toString('base64');
      refused(r, /digest length \(20\) does not match expected size \((32|48|64)\)/);
    }
  });

  it('refuses a signature that does not verify over the digest', () => {
    for (const kind of KEY_KINDS) {
      const r = clone(v2Request(kind).request);
      const digest = Buffer.from(r.hashedRekordRequestV002.digest, 'base64');
      digest[0] = (digest[0] ?? 0) ^ 1;
      r.hashedRekordRequestV002.digest = digest.toString('base64');
      refused(r, /verifying signature/);
    }
  });

  it('refuses keyDetails off the allow-list, pure Ed25519, unknown values and details that do not name the key', () => {
    const base = v2Request('PKIX_ECDSA_P256_SHA_256').request;
    for (const [details, pattern] of [
      ['PKIX_ED25519', /PKIX_ED25519 for hashedrekord: no associated digest algorithm/],
      ['PKIX_ECDSA_P384_SHA_256', /unsupported signing algorithm PKIX_ECDSA_P384_SHA_256/],
      ['PKIX_RSA_PSS_2048_SHA256', /unsupported signing algorithm/],
      ['ML_DSA_65', /unsupported signing algorithm/],
      ['PKIX_ECDSA_P384_SHA_384', /does not describe the verifier's key \(ECDSA P-256\)/],
      ['NOT_A_VALUE', /invalid value for enum field/],
      [99, /invalid value for enum field: 99/],
    ] as const) {
      const r = clone(base);
      r.hashedRekordRequestV002.signature.verifier.keyDetails = details;
      refused(r, pattern);
    }
    const rsa = clone(v2Request('PKIX_RSA_PKCS1V15_3072_SHA256').request);
    rsa.hashedRekordRequestV002.signature.verifier.keyDetails = 'PKIX_RSA_PKCS1V15_2048_SHA256';
    refused(rsa, /does not describe the verifier's key \(RSA 3072\)/);
  });

  it('refuses keys that are not DER SPKI, too-small RSA keys and certificates that do not parse', () => {
    const r = clone(v2Request().request);
    r.hashedRekordRequestV002.signature.verifier.publicKey = { rawBytes: Buffer.from('-----BEGIN PUBLIC KEY-----').toString('base64') };
    refused(r, /parsing verifier/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' });
    const s = clone(v2Request('PKIX_RSA_PKCS1V15_2048_SHA256').request);
    s.hashedRekordRequestV002.signature.verifier.publicKey = { rawBytes: small.toString('base64') };
    refused(s, /parsing verifier: .*RSA key too small/);
    const c = clone(v2Request().request);
    delete c.hashedRekordRequestV002.signature.verifier.publicKey;
    c.hashedRekordRequestV002.signature.verifier.x509Certificate = { rawBytes: signerFor('PKIX_ECDSA_P256_SHA_256').spki.toString('base64') };
    refused(c, /parsing verifier: .*invalid certificate/);
  });

  it('refuses bytes that are not base64 and fields of the wrong JSON type', () => {
    const r = clone(v2Request().request);
    r.hashedRekordRequestV002.digest = 'not base64!';
    refused(r, /hashedRekordRequestV002.digest/);
    const t = clone(v2Request().request);
    (t.hashedRekordRequestV002 as Record<string, unknown>).digest = 42;
    refused(t, /expected base64 bytes, got number/);
  });

  it('refuses an entry too large for a tlog-tiles entry bundle', () => {
    const r = clone(v2Request().request);
    r.hashedRekordRequestV002.signature.content = randomBytes(60_000).toString('base64');
    refused(r, /at most 65535/);
  });
});
