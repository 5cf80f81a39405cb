/**
 * Real public-good Fulcio leaves (the certificates in test/vectors/rekor/entries/*.original-bundle.json)
 * through our certificate code, against the production trusted root: each parses with
 * x509-raw, chains by issuer Name and AKI → SKI to a production CA whose validity covers it, has
 * the Fulcio profile of reference §2.1, and carries embedded SCTs that verify with our RFC 6962
 * code against the production CT log keys. (trusted-root.test.ts does the same for one older leaf.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { bufferOf } from '../../src/buffer-view.js';
import { children, readOne, TAG } from '../../src/core/der.js';
import { OID } from '../../src/ca/extensions.js';
import { parseSctList, sha256, verifySct } from '../../src/ct/sct.js';
import { readCertificate as parseCertificate, type RawCertificate, subjectKeyId, tbsWithoutExtension } from '../../src/core/x509-raw.js';
import { listJson, readVectorJson } from '../helpers/vectors.js';

interface TrustedRootFile {
  certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] }; validFor: { start: string; end?: string } }[];
  ctlogs: { publicKey: { rawBytes: string }; logId: { keyId: string } }[];
}
interface BundleFile {
  verificationMaterial: { x509CertificateChain?: { certificates: { rawBytes: string }[] }; certificate?: { rawBytes: string } };
}

const der = (b64: string): Buffer => Buffer.from(b64, 'base64');
const root = readVectorJson<TrustedRootFile>('rekor/production_trusted_root.json');
const leafOf = (b: BundleFile): string | undefined => b.verificationMaterial.certificate?.rawBytes ?? b.verificationMaterial.x509CertificateChain?.certificates[0]?.rawBytes;
// Bundles signed with a plain public key (npm's publish key) have no certificate to check.
const bundles = listJson('rekor/entries').filter((p) => p.endsWith('.original-bundle.json') && leafOf(readVectorJson<BundleFile>(p)));

/** The keyIdentifier ([0]) of an AuthorityKeyIdentifier extension value. */
function authorityKeyId(cert: RawCertificate): Buffer | undefined {
  const ext = cert.extensions.find((e) => e.oid === OID.authorityKeyId);
  if (!ext) return undefined;
  const keyId = children(readOne(ext.value, TAG.SEQUENCE, 'AuthorityKeyIdentifier'), 'AuthorityKeyIdentifier').find((t) => t.tag === 0x80);
  return keyId ? bufferOf(keyId.value) : undefined;
}

/** The production CA certificate that issued `leaf`, found the way sigstore-js builds paths. */
function findIssuer(leaf: RawCertificate): { ca: TrustedRootFile['certificateAuthorities'][number]; issuer: Buffer } | undefined {
  const aki = authorityKeyId(leaf);
  for (const ca of root.certificateAuthorities) {
    for (const c of ca.certChain.certificates) {
      const candidate = parseCertificate(der(c.rawBytes));
      const ski = subjectKeyId(candidate);
      if (bufferOf(candidate.subject).equals(leaf.issuer) && aki && ski && bufferOf(ski).equals(aki)) return { ca, issuer: bufferOf(candidate.der) };
    }
  }
  return undefined;
}

describe('production Fulcio leaves through our certificate code', () => {
  assert.ok(bundles.length >= 3, 'the vectors hold the production bundles with certificates');
  for (const path of bundles) {
    it(path.replace(/^.*\//, ''), () => {
      const leafDer = der(leafOf(readVectorJson<BundleFile>(path)) ?? '');
      const leaf = parseCertificate(leafDer);

      const found = findIssuer(leaf);
      assert.ok(found, 'issued by a CA of the production trusted root (issuer Name and AKI → SKI)');
      const x509 = new X509Certificate(leafDer);
      assert.ok(x509.verify(new X509Certificate(found.issuer).publicKey), 'signed by that CA');
      const issued = Date.parse(x509.validFrom);
      assert.ok(issued >= Date.parse(found.ca.validFor.start) && (!found.ca.validFor.end || issued <= Date.parse(found.ca.validFor.end)), 'inside the CA validFor');
      const chain = found.ca.certChain.certificates.map((c) => new X509Certificate(der(c.rawBytes)));
      const top = chain[chain.length - 1] as X509Certificate;
      assert.ok(top.checkIssued(top) && top.verify(top.publicKey), 'the CA chain ends at a self-signed root');

      assert.deepEqual(leaf.subject, Buffer.from([0x30, 0]), 'empty subject');
      const ext = (oid: string) => leaf.extensions.find((e) => e.oid === oid);
      assert.ok(ext(OID.subjectAltName)?.critical, 'critical SAN');
      assert.ok(ext(OID.keyUsage)?.critical, 'critical KeyUsage');
      assert.deepEqual(x509.keyUsage, [OID.codeSigning]);
      assert.match(bufferOf(ext('1.3.6.1.4.1.57264.1.1')?.value ?? new Uint8Array()).toString('utf8'), /^https:\/\//, '.1 issuer as raw UTF-8');
      assert.equal(Date.parse(x509.validTo) - issued, 600_000, '10-minute validity');

      const list = ext(OID.ctSctList);
      assert.ok(list, 'embedded SCT list');
      const scts = parseSctList(bufferOf(readOne(list.value, TAG.OCTET_STRING, 'SCT list').value));
      assert.ok(scts.length >= 1);
      const entry = { type: 'precert' as const, issuerKeyHash: sha256(parseCertificate(found.issuer).spki), tbs: bufferOf(tbsWithoutExtension(leaf.tbs, OID.ctSctList)) };
      for (const sct of scts) {
        const log = root.ctlogs.find((l) => der(l.logId.keyId).equals(sct.logId));
        assert.ok(log, 'the SCT names a production CT log');
        assert.ok(verifySct(sct, entry, createPublicKey({ key: der(log.publicKey.rawBytes), format: 'der', type: 'spki' })), 'the SCT verifies');
      }
    });
  }
});
