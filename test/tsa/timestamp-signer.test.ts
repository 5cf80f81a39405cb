/**
 * Timestamp tokens as the signer writes them: the TSTInfo fields (openssl's reading of them),
 * `openssl ts -verify` over the data and over the digest, and our own core verifier (the one
 * bundles are verified with) accepting our tokens and refusing another TSA's or a tampered one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { parseTimestampToken, verifyTimestampToken } from '../../src/core/bundle/rfc3161.js';
import { parseTrustedRoot } from '../../src/core/bundle/trusted-root.js';
import { toPem } from '../../src/core/pem.js';
import { isSealhouseError } from '../../src/errors.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { buildTrustedRoot } from '../../src/trust/trusted-root.js';
import { parseJsonTimestampRequest, parseTimestampQuery, TSA_POLICY_OID, type TimestampRequest } from '../../src/tsa/timestamp-request.js';
import { TimestampSigner } from '../../src/tsa/timestamp-signer.js';
import { type TestTsa, makeTsa, newKey, opensslQuery, opensslReplyText, opensslVerify } from './fixtures.js';

const artifact = Buffer.from('an artifact signature');
const request = (hash: 'sha256' | 'sha384' | 'sha512', extra: Record<string, unknown> = {}): TimestampRequest =>
  parseJsonTimestampRequest({ artifactHash: createHash(hash).update(artifact).digest('base64'), hashAlgorithm: hash, ...extra });

/** trusted_root.json (src/trust) listing `tsa` as its one timestamp authority, parsed by core. */
function trustedRootOf(tsa: TestTsa, validFrom = new Date(Date.now() - 3600_000)) {
  return parseTrustedRoot(buildTrustedRoot({ tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [{ uri: 'https://tsa.example/api/v1/timestamp', chain: tsa.material.chain, validFrom }] }));
}

const tsa = makeTsa();
const rootPem = toPem(tsa.material.chain[1] as Buffer);
const leafPem = toPem(tsa.material.chain[0] as Buffer);

describe('timestamp token contents', () => {
  it('carries version 1, our policy, the imprint, UTC genTime in whole seconds, accuracy 1 s, no ordering, the nonce and the TSA name', () => {
    const now = new Date('2027-03-04T05:06:07.890Z');
    const pinned = makeTsa({ now: () => new Date('2027-03-04T00:00:00Z') });
    const signer = new TimestampSigner(pinned.material, { now: () => now });
    const { response, genTime } = signer.issue(request('sha256', { nonce: 987654321 }));
    assert.equal(genTime.toISOString(), '2027-03-04T05:06:07.000Z');
    const text = opensslReplyText(response);
    assert.match(text, /Status: Granted\./);
    assert.match(text, /Version: 1\n/);
    assert.match(text, new RegExp(`Policy OID: ${TSA_POLICY_OID.replace(/\./g, '\\.')}\n`));
    assert.match(text, /Hash Algorithm: sha256\n/);
    assert.match(text, /Time stamp: Mar {2}4 05:06:07 2027 GMT\n/);
    assert.match(text, /Accuracy: 0x01 seconds, unspecified millis, unspecified micros\n/);
    assert.match(text, /Ordering: no\n/);
    assert.match(text, /Nonce: 0x3ADE68B1\n/);
    assert.match(text, /TSA: DirName:\/O=sealhouse\/CN=sealhouse-tsa\n/);
    const token = parseTimestampToken(response);
    assert.equal(token.genTime.toISOString(), '2027-03-04T05:06:07.000Z');
    assert.deepEqual(Buffer.from(token.imprint), createHash('sha256').update(artifact).digest());
  });

  it('gives every token its own serial number', () => {
    const serials = new Set<string>();
    for (let i = 0; i < 50; i++) serials.add(/Serial number: (0x[0-9A-F]+)/.exec(opensslReplyText(tsa.signer.issue(request('sha256')).response))?.[1] ?? '');
    assert.equal(serials.size, 50);
    assert.ok(![...serials].includes(''));
  });

  it('includes the TSA certificate exactly when it was asked for', () => {
    assert.deepEqual(parseTimestampToken(tsa.signer.issue(request('sha256', { certificates: true })).response).certificates.map((c) => Buffer.from(c)), [tsa.material.chain[0]]);
    assert.equal(parseTimestampToken(tsa.signer.issue(request('sha256')).response).certificates.length, 0);
  });

  it('echoes the request\'s hash AlgorithmIdentifier in the imprint (RFC 3161 §2.4.2: the same value)', () => {
    const q = opensslQuery(artifact, ['-sha384', '-no_nonce']);
    const req = parseTimestampQuery(q);
    const { response } = tsa.signer.issue(req);
    assert.ok(response.includes(Buffer.from(req.hashAlgorithm)));
  });

  it('refuses to sign outside its certificate\'s validity (503, not a token nobody can verify)', () => {
    const late = new TimestampSigner(tsa.material, { now: () => new Date(Date.now() + 11 * 365 * 86400_000) });
    assert.throws(() => late.issue(request('sha256')), (err: unknown) => isSealhouseError(err, 'unavailable') && /the TSA certificate is valid from .* to .*; configure a new one/.test(err.message));
  });
});

describe('openssl ts -verify', () => {
  for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
    it(`verifies ${hash} tokens over the data and over the digest, with the certificate in the token or given as -untrusted`, () => {
      const withCert = tsa.signer.issue(request(hash, { certificates: true })).response;
      const bare = tsa.signer.issue(request(hash)).response;
      const files = { 'data': artifact, 'root.pem': rootPem, 'leaf.pem': leafPem, 'with.tsr': withCert, 'bare.tsr': bare };
      const digest = createHash(hash).update(artifact).digest('hex');
      for (const args of [
        (d: string) => ['-in', `${d}/with.tsr`, '-data', `${d}/data`, '-CAfile', `${d}/root.pem`],
        (d: string) => ['-in', `${d}/with.tsr`, '-digest', digest, '-CAfile', `${d}/root.pem`],
        (d: string) => ['-in', `${d}/bare.tsr`, '-data', `${d}/data`, '-CAfile', `${d}/root.pem`, '-untrusted', `${d}/leaf.pem`],
        (d: string) => ['-in', `${d}/bare.tsr`, '-digest', digest, '-CAfile', `${d}/root.pem`, '-untrusted', `${d}/leaf.pem`],
      ]) {
        const result = opensslVerify(files, args);
        assert.ok(result.ok, result.output);
      }
    });
  }

  it('verifies a token for an openssl query against that query (nonce and imprint), and fails for other data, another root or without the certificate', () => {
    const q = opensslQuery(artifact, ['-sha256', '-cert']);
    const resp = tsa.signer.issue(parseTimestampQuery(q)).response;
    const other = makeTsa();
    const files = { 'data': artifact, 'other': 'other data', 'q.tsq': q, 'r.tsr': resp, 'root.pem': rootPem, 'other-root.pem': toPem(other.material.chain[1] as Buffer) };
    assert.ok(opensslVerify(files, (d) => ['-in', `${d}/r.tsr`, '-queryfile', `${d}/q.tsq`, '-CAfile', `${d}/root.pem`]).ok);
    assert.ok(!opensslVerify(files, (d) => ['-in', `${d}/r.tsr`, '-data', `${d}/other`, '-CAfile', `${d}/root.pem`]).ok);
    assert.ok(!opensslVerify(files, (d) => ['-in', `${d}/r.tsr`, '-data', `${d}/data`, '-CAfile', `${d}/other-root.pem`]).ok);
    const bare = tsa.signer.issue(request('sha256')).response;
    assert.ok(!opensslVerify({ ...files, 'b.tsr': bare }, (d) => ['-in', `${d}/b.tsr`, '-data', `${d}/data`, '-CAfile', `${d}/root.pem`]).ok, 'no certificate to verify with');
  });
});

describe('core verifier (core/bundle/rfc3161.ts)', () => {
  const signature = sign('sha256', artifact, newKey());
  const req = (certificates: boolean): TimestampRequest => parseJsonTimestampRequest({ artifactHash: createHash('sha256').update(signature).digest('base64'), hashAlgorithm: 'sha256', certificates });

  it('accepts our tokens, with and without the certificate, against a trusted root listing our TSA', () => {
    for (const certificates of [true, false]) {
      const { response, genTime } = tsa.signer.issue(req(certificates));
      const verified = verifyTimestampToken(nodeCrypto, response, signature, trustedRootOf(tsa));
      assert.equal(verified.time.getTime(), genTime.getTime());
      assert.equal(verified.by, 'sealhouse/sealhouse-tsa-root');
    }
  });

  it('refuses a token from another TSA key, a tampered token, a token over other bytes, and a time before the authority\'s validFor', () => {
    const other = makeTsa();
    assert.throws(() => verifyTimestampToken(nodeCrypto, other.signer.issue(req(true)).response, signature, trustedRootOf(tsa)), /does not verify against the trusted timestamp authorities/);
    assert.throws(() => verifyTimestampToken(nodeCrypto, other.signer.issue(req(false)).response, signature, trustedRootOf(tsa)), /does not verify against the trusted timestamp authorities/);
    const { response: good, genTime } = tsa.signer.issue(req(false));
    // genTime inside the signed TSTInfo, one second later: the messageDigest no longer matches.
    const time = Buffer.from(`\x18\x0f${genTime.toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`, 'latin1');
    const at = good.indexOf(time);
    assert.ok(at > 0);
    const tampered = Buffer.from(good);
    tampered[at + 15] = (tampered[at + 15] as number) === 0x39 ? 0x38 : (tampered[at + 15] as number) + 1;
    assert.throws(() => verifyTimestampToken(nodeCrypto, tampered, signature, trustedRootOf(tsa)), /the messageDigest attribute is not the hash of the TSTInfo/);
    // The ECDSA signature is the token's last field.
    const badSignature = Buffer.from(good);
    badSignature[badSignature.length - 1] = (badSignature[badSignature.length - 1] as number) ^ 0x01;
    assert.throws(() => verifyTimestampToken(nodeCrypto, badSignature, signature, trustedRootOf(tsa)), /does not verify/);
    assert.throws(() => verifyTimestampToken(nodeCrypto, good, Buffer.from('other bytes'), trustedRootOf(tsa)), /message imprint is not the hash/);
    assert.throws(() => verifyTimestampToken(nodeCrypto, good, signature, trustedRootOf(tsa, new Date(Date.now() + 3600_000))), /does not verify/);
  });
});
