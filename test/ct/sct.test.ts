/**
 * RFC 6962 SCTs: the signed data against an independent byte-by-byte recomputation, the wire
 * encodings, and acceptance by sigstore-js' own `verifySCTs` with a trusted root from our builder.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { checkSubmittedChain, precertEntry, x509Entry } from '../../src/ct/ct-submission.js';
import { LeafDraft } from '../../src/ca/leaf-certificate.js';
import {
  CtLogSigner,
  merkleTreeLeaf,
  parseSctList,
  type Sct,
  sctFromJson,
  sctSignedData,
  sctToJson,
  serializeSct,
  serializeSctList,
  verifySct,
} from '../../src/ct/sct.js';
import { sealhouseTrustedRoot } from '../../src/trust/trusted-root.js';
import { readCertificate as parseCertificate } from '../../src/core/x509-raw.js';
import { bufferOf } from '../../src/buffer-view.js';
import { isSealhouseError } from '../../src/errors.js';
import { EMAIL_EXTENSIONS, keyPair, makeCa } from '../ca/fixtures.js';

const require = createRequire(import.meta.url);
const { verifySCTs } = require('@sigstore/verify/dist/key/sct.js') as {
  verifySCTs(cert: SigstoreX509, issuer: SigstoreX509, ctlogs: unknown): Buffer[];
};

const ca = makeCa();
const ctKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = new CtLogSigner(ctKey.privateKey);
const draft = new LeafDraft(ca.material, { publicKey: keyPair('P-256').spki, san: { type: 'email', value: 'alice@example.com' }, extensions: EMAIL_EXTENSIONS });
const precert = draft.precertificate();
const entry = precertEntry(precert, ca.material.certificate);
const TS = 1_772_000_000_123;
const sct = signer.sign(entry, TS);

/** RFC 6962 §3.2 written out independently of src/: every field at its offset. */
function expectedPrecertSignedData(timestamp: number, issuerSpki: Buffer, tbs: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt8(0, 0); // sct_version v1
  head.writeUInt8(0, 1); // signature_type certificate_timestamp
  head.writeBigUInt64BE(BigInt(timestamp), 2);
  head.writeUInt16BE(1, 10); // precert_entry
  const len = Buffer.alloc(3);
  len.writeUIntBE(tbs.length, 0, 3);
  return Buffer.concat([head, createHash('sha256').update(issuerSpki).digest(), len, tbs, Buffer.from([0, 0])]);
}

describe('SCT signing core', () => {
  it('signs exactly the RFC 6962 precert signed data', () => {
    const expected = expectedPrecertSignedData(TS, bufferOf(parseCertificate(ca.generated.intermediate).spki), draft.tbsWithoutPoison());
    assert.deepEqual(sctSignedData(entry, TS), expected);
    assert.deepEqual(sct.signature.subarray(0, 2), Buffer.from([4, 3]), 'DigitallySigned sha256/ecdsa');
    assert.equal(sct.signature.readUInt16BE(2), sct.signature.length - 4);
    assert.ok(verify('sha256', expected, ctKey.publicKey, sct.signature.subarray(4)));
  });

  it('uses logID = sha256(DER SPKI of the CT key)', () => {
    const spki = ctKey.publicKey.export({ type: 'spki', format: 'der' });
    assert.deepEqual(signer.logId, createHash('sha256').update(spki).digest());
    assert.deepEqual(sct.logId, signer.logId);
  });

  it('signs x509_entry data for plain certificates', () => {
    const cert = draft.certificate();
    const x = signer.sign(x509Entry(cert), TS);
    const head = Buffer.from([0, 0, ...Buffer.from(BigInt(TS).toString(16).padStart(16, '0'), 'hex'), 0, 0]);
    const len = Buffer.alloc(3);
    len.writeUIntBE(cert.length, 0, 3);
    assert.ok(verify('sha256', Buffer.concat([head, len, cert, Buffer.from([0, 0])]), ctKey.publicKey, x.signature.subarray(4)));
    assert.ok(verifySct(x, x509Entry(cert), ctKey.publicKey));
  });

  it('MerkleTreeLeaf is version 0, timestamped_entry, TimestampedEntry', () => {
    const leaf = merkleTreeLeaf(entry, TS);
    assert.deepEqual(leaf.subarray(0, 2), Buffer.from([0, 0]));
    assert.equal(leaf.readBigUInt64BE(2), BigInt(TS));
    assert.equal(leaf.readUInt16BE(10), 1);
    assert.deepEqual(leaf.subarray(12, 44), entry.type === 'precert' ? entry.issuerKeyHash : Buffer.alloc(0));
    assert.equal(leaf.readUIntBE(44, 3), draft.tbsWithoutPoison().length);
    assert.deepEqual(leaf.subarray(leaf.length - 2), Buffer.from([0, 0]));
  });

  it('verifySct rejects tampering and wrong keys', () => {
    assert.ok(verifySct(sct, entry, ctKey.publicKey));
    assert.ok(!verifySct({ ...sct, timestamp: TS + 1 }, entry, ctKey.publicKey));
    assert.ok(!verifySct(sct, x509Entry(draft.certificate()), ctKey.publicKey));
    assert.ok(!verifySct(sct, entry, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey));
    assert.ok(!verifySct({ ...sct, signature: Buffer.from([4, 3, 0, 1, 0]) }, entry, ctKey.publicKey));
  });

  it('refuses a CT key that is not P-256', () => {
    assert.throws(() => new CtLogSigner(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey), (e: unknown) => isSealhouseError(e, 'malformed_key'));
  });
});

describe('SCT encodings', () => {
  it('AddChainResponse JSON round-trips', () => {
    const json = sctToJson(sct);
    assert.deepEqual(Object.keys(json), ['sct_version', 'id', 'timestamp', 'extensions', 'signature']);
    assert.equal(json.sct_version, 0);
    assert.equal(json.extensions, '');
    assert.equal(json.timestamp, TS);
    assert.deepEqual(sctFromJson(JSON.parse(JSON.stringify(json))), sct);
    assert.throws(() => sctFromJson({ ...json, id: 'AAAA' }), (e: unknown) => isSealhouseError(e, 'invalid_input'));
    assert.throws(() => sctFromJson(null), (e: unknown) => isSealhouseError(e, 'invalid_input'));
    assert.throws(() => sctFromJson({ ...json, extensions: 7 }), (e: unknown) => isSealhouseError(e, 'invalid_input'));
  });

  it('SerializedSCT and SCT lists round-trip, strictly', () => {
    const one = serializeSct(sct);
    assert.equal(one[0], 0);
    assert.deepEqual(one.subarray(1, 33), sct.logId);
    const other: Sct = signer.sign(entry, TS + 5, Buffer.from([1, 2, 3]));
    const list = serializeSctList([sct, other]);
    assert.equal(list.readUInt16BE(0), list.length - 2);
    assert.deepEqual(parseSctList(list), [sct, other]);
    for (const broken of [list.subarray(0, list.length - 1), Buffer.concat([list, Buffer.from([0])]), Buffer.from([0, 3, 0, 1, 0])]) {
      assert.throws(() => parseSctList(broken), (e: unknown) => isSealhouseError(e, 'invalid_input'));
    }
  });
});

describe('CT submissions', () => {
  const chain = [precert, ...ca.material.chain];

  it('accepts a chain to an accepted root and rejects others', () => {
    checkSubmittedChain(chain, [ca.generated.root]);
    checkSubmittedChain(chain.slice(0, 2), [ca.generated.root]);
    const other = makeCa();
    assert.throws(() => checkSubmittedChain(chain, [other.generated.root]), /accepted root/);
    assert.throws(() => checkSubmittedChain([precert, other.generated.intermediate], [other.generated.root]), /not signed by/);
    assert.throws(() => checkSubmittedChain([Buffer.from('junk')], [ca.generated.root]), (e: unknown) => isSealhouseError(e, 'invalid_input'));
  });

  it('tells precerts and certificates apart', () => {
    assert.throws(() => precertEntry(draft.certificate(), ca.material.certificate), /not a precertificate/);
    assert.throws(() => x509Entry(precert), /add-pre-chain/);
    assert.throws(() => precertEntry(Buffer.from([0x30, 0x03, 0x02, 0x01]), ca.material.certificate), (e: unknown) => isSealhouseError(e, 'invalid_input'));
  });
});

describe('sigstore-js accepts our SCT (@sigstore/verify verifySCTs)', () => {
  const final = draft.finalCertificate(serializeSctList([signer.sign(entry, Date.now())]));
  const trust = (ctSpki: Buffer) =>
    toTrustMaterial(
      TrustedRoot.fromJSON(
        sealhouseTrustedRoot({
          rekorUrl: 'https://rekor.example.test',
          rekorPublicKey: keyPair('P-256').spki,
          fulcioUrl: 'https://fulcio.example.test',
          caChain: ca.material.chain,
          ctLogUrl: 'https://ct.example.test',
          ctLogPublicKey: ctSpki,
          validFrom: new Date('2020-01-01T00:00:00Z'),
        }),
      ),
    );
  const leaf = SigstoreX509.parse(Buffer.from(final));
  const issuer = SigstoreX509.parse(Buffer.from(ca.material.certificate));

  it('verifies with the CT key from our trusted root', () => {
    const logIds = verifySCTs(leaf, issuer, trust(signer.spki).ctlogs);
    assert.deepEqual(logIds, [signer.logId]);
  });

  it('fails when the trusted root has a different CT key', () => {
    assert.throws(() => verifySCTs(leaf, issuer, trust(keyPair('P-256').spki).ctlogs), /SCT verification failed/);
  });

  it('fails when the issuer SPKI hash is the root instead of the intermediate', () => {
    const root = SigstoreX509.parse(Buffer.from(ca.generated.root));
    assert.throws(() => verifySCTs(leaf, root, trust(signer.spki).ctlogs), /SCT verification failed/);
  });
});
