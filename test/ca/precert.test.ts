/**
 * The byte-exactness trap of reference §3.3 made impossible: the final certificate minus its SCT
 * list, re-encoded by pkijs and by @sigstore/core (exactly as verifySCTs does), equals the
 * precertificate minus its poison, which is what the CT log signed (RFC 6962 §3.2).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import * as pkijs from 'pkijs';
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { precertEntry } from '../../src/ct/ct-submission.js';
import { OID } from '../../src/ca/extensions.js';
import { LeafDraft } from '../../src/ca/leaf-certificate.js';
import { CtLogSigner, serializeSctList } from '../../src/ct/sct.js';
import { readCertificate as parseCertificate, tbsWithoutExtension } from '../../src/core/x509-raw.js';
import { EMAIL_EXTENSIONS, fixedClock, keyPair, makeCa } from './fixtures.js';

const ca = makeCa();
const ctSigner = new CtLogSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

function issue(draft: LeafDraft): { precert: Buffer; final: Buffer } {
  const precert = draft.precertificate();
  const sct = ctSigner.sign(precertEntry(precert, ca.material.certificate), Date.now());
  return { precert, final: draft.finalCertificate(serializeSctList([sct])) };
}

const emailDraft = (): LeafDraft =>
  new LeafDraft(ca.material, { publicKey: keyPair('P-256').spki, san: { type: 'email', value: 'alice@example.com' }, extensions: EMAIL_EXTENSIONS }, fixedClock('2026-03-04T05:06:07.890Z'));

describe('precert → final byte exactness (reference §3.3)', () => {
  const draft = emailDraft();
  const { precert, final } = issue(draft);
  const precertTbsWithoutPoison = Buffer.from(tbsWithoutExtension(parseCertificate(precert).tbs, OID.ctPoison));

  it('the precert minus poison is what the draft says the log signs', () => {
    assert.deepEqual(precertTbsWithoutPoison, draft.tbsWithoutPoison());
    assert.deepEqual(precertEntry(precert, ca.material.certificate), {
      type: 'precert',
      issuerKeyHash: createHash('sha256').update(ca.material.spki).digest(),
      tbs: precertTbsWithoutPoison,
    });
  });

  it('final minus SCT list, re-encoded by pkijs, equals precert minus poison', () => {
    const cert = pkijs.Certificate.fromBER(final);
    cert.extensions = cert.extensions?.filter((e) => e.extnID !== OID.ctSctList);
    assert.deepEqual(Buffer.from(cert.encodeTBS().toBER(false)), precertTbsWithoutPoison);
  });

  it('final minus SCT list, re-encoded by @sigstore/core (as verifySCTs does), equals precert minus poison', () => {
    const clone = SigstoreX509.parse(Buffer.from(final)).clone();
    const at = clone.extensions.findIndex((e) => e.subs[0]?.toOID() === OID.ctSctList);
    assert.ok(at >= 0);
    clone.extensions.splice(at, 1);
    assert.deepEqual(clone.tbsCertificate.toDER(), precertTbsWithoutPoison);
  });

  it('keeps serial, validity, issuer, subject and key identical', () => {
    const [p, f] = [pkijs.Certificate.fromBER(precert), pkijs.Certificate.fromBER(final)];
    assert.deepEqual(Buffer.from(p.serialNumber.valueBlock.valueHexView), Buffer.from(f.serialNumber.valueBlock.valueHexView));
    assert.equal(p.notBefore.value.getTime(), f.notBefore.value.getTime());
    assert.equal(p.notAfter.value.getTime(), f.notAfter.value.getTime());
    const [rp, rf] = [parseCertificate(precert), parseCertificate(final)];
    assert.deepEqual([rp.issuer, rp.subject, rp.spki], [rf.issuer, rf.subject, rf.spki]);
  });
});

describe('precert → final across SAN kinds and key types', () => {
  for (const [san, kind] of [
    [{ type: 'uri', value: 'https://github.com/o/r/.github/workflows/w.yml@refs/heads/main' }, 'rsa2048'],
    [{ type: 'otherName', value: 'alice!example.com' }, 'ed25519'],
    [{ type: 'email', value: 'bob@example.com' }, 'P-521'],
  ] as const) {
    it(`${san.type} SAN, ${kind} key`, () => {
      const draft = new LeafDraft(ca.material, { publicKey: keyPair(kind).spki, san, extensions: EMAIL_EXTENSIONS });
      const { precert, final } = issue(draft);
      const clone = SigstoreX509.parse(Buffer.from(final)).clone();
      clone.extensions.splice(clone.extensions.findIndex((e) => e.subs[0]?.toOID() === OID.ctSctList), 1);
      assert.deepEqual(clone.tbsCertificate.toDER(), Buffer.from(tbsWithoutExtension(parseCertificate(precert).tbs, OID.ctPoison)));
    });
  }
});
