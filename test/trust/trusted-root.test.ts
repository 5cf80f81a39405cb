/**
 * Trust documents against the real public-good ones: the production trusted root's Fulcio chains
 * and CT keys go through our parsers, a real Fulcio leaf's embedded SCT verifies with our CT code,
 * and our builders produce the same field names and encodings that sigstore-js loads.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SigningConfig, TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { bundleBuilderFromSigningConfig } from '@sigstore/sign';
import { bufferOf } from '../../src/buffer-view.js';
import { readOne, TAG } from '../../src/core/der.js';
import { OID } from '../../src/ca/extensions.js';
import { certificatesFromPem } from '../../src/core/pem.js';
import { parseSctList, verifySct } from '../../src/ct/sct.js';
import { sealhouseSigningConfig } from '../../src/trust/signing-config.js';
import { keyDetailsOf, logIdOf, rfc3339, sealhouseTrustedRoot } from '../../src/trust/trusted-root.js';
import { readCertificate as parseCertificate, subjectKeyId, tbsWithoutExtension } from '../../src/core/x509-raw.js';
import { keyPair, makeCa } from '../ca/fixtures.js';

const vectors = new URL('../../../test/vectors/rekor/', import.meta.url);
const production = JSON.parse(readFileSync(new URL('production_trusted_root.json', vectors), 'utf8')) as {
  certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
  ctlogs: { baseUrl: string; publicKey: { rawBytes: string; keyDetails: string }; logId: { keyId: string } }[];
  tlogs: { publicKey: { rawBytes: string; keyDetails: string }; logId: { keyId: string } }[];
};
const der = (b64: string): Buffer => Buffer.from(b64, 'base64');

/** The set of key paths of a JSON value, for shape comparison ("a.b[].c"). */
function shape(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.length === 0 ? [`${path}[]`] : [...new Set(v.flatMap((x) => shape(x, `${path}[]`)))];
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => shape(x, path ? `${path}.${k}` : k));
  return [`${path}:${typeof v}`];
}

describe('production trusted root through our parsers', () => {
  it('every Fulcio CA chain parses and verifies link by link to a self-signed root', () => {
    for (const ca of production.certificateAuthorities) {
      const chain = ca.certChain.certificates.map((c) => der(c.rawBytes));
      const certs = chain.map((d) => new X509Certificate(d));
      chain.forEach((d, i) => {
        const raw = parseCertificate(d);
        const parent = certs[i + 1] ?? (certs[i] as X509Certificate);
        assert.ok((certs[i] as X509Certificate).verify(parent.publicKey), `cert ${i} signed by its parent`);
        assert.deepEqual(raw.issuer, parseCertificate(parent.raw).subject, 'issuer equals parent subject byte for byte');
        assert.ok(subjectKeyId(raw), 'CA certificates carry an SKI');
        assert.ok((certs[i] as X509Certificate).ca);
      });
    }
  });

  it('CT and Rekor keys parse; keyDetails and logId recompute exactly', () => {
    for (const log of [...production.ctlogs, ...production.tlogs]) {
      const spki = der(log.publicKey.rawBytes);
      assert.equal(keyDetailsOf(spki), log.publicKey.keyDetails);
      // Rekor v2 (Ed25519) logs use the C2SP signed-note key id instead of sha256(SPKI).
      if (log.publicKey.keyDetails !== 'PKIX_ED25519') assert.equal(logIdOf(spki), log.logId.keyId);
    }
  });

  it('a real public-good Fulcio leaf: profile and embedded SCT verify with our CT code', () => {
    const entry = JSON.parse(readFileSync(new URL('walkthrough_entry_62432866.json', vectors), 'utf8')) as {
      decoded_body: { spec: { signature: { publicKey: { content: string } } } };
    };
    const [leafDer] = certificatesFromPem(der(entry.decoded_body.spec.signature.publicKey.content).toString('utf8'));
    assert.ok(leafDer);
    const leaf = parseCertificate(leafDer);
    assert.deepEqual(bufferOf(leaf.subject), Buffer.from([0x30, 0]));
    assert.deepEqual(
      leaf.extensions.map((e) => e.oid),
      [OID.keyUsage, OID.extKeyUsage, OID.subjectKeyId, OID.authorityKeyId, OID.subjectAltName, '1.3.6.1.4.1.57264.1.1', '1.3.6.1.4.1.57264.1.8', OID.ctSctList],
    );
    const intermediate = der(production.certificateAuthorities[1]?.certChain.certificates[0]?.rawBytes ?? '');
    assert.ok(new X509Certificate(leafDer).verify(new X509Certificate(intermediate).publicKey));

    const sctExt = leaf.extensions.find((e) => e.oid === OID.ctSctList);
    assert.ok(sctExt);
    const [sct] = parseSctList(bufferOf(readOne(sctExt.value, TAG.OCTET_STRING, 'SCT list').value));
    assert.ok(sct);
    const log = production.ctlogs.find((l) => der(l.logId.keyId).equals(sct.logId));
    assert.ok(log, 'SCT names a production CT log');
    const ok = verifySct(
      sct,
      { type: 'precert', issuerKeyHash: createHash('sha256').update(parseCertificate(intermediate).spki).digest(), tbs: bufferOf(tbsWithoutExtension(leaf.tbs, OID.ctSctList)) },
      createPublicKey({ key: der(log.publicKey.rawBytes), format: 'der', type: 'spki' }),
    );
    assert.ok(ok, 'the public-good SCT verifies over our reconstruction of the precert TBS');
  });
});

describe('our trusted root builder', () => {
  const ca = makeCa();
  const rekor = keyPair('P-256');
  const ctKey = keyPair('P-256');
  const ours = sealhouseTrustedRoot({
    rekorUrl: 'https://sealhouse.example.test',
    rekorPublicKey: rekor.spki,
    fulcioUrl: 'https://sealhouse.example.test',
    caChain: ca.material.chain,
    ctLogUrl: 'https://sealhouse.example.test/ct',
    ctLogPublicKey: ctKey.spki,
    validFrom: new Date('2026-01-01T00:00:00Z'),
  });

  it('has the production document shape, field for field', () => {
    const prod = JSON.parse(readFileSync(new URL('production_trusted_root.json', vectors), 'utf8')) as Record<string, unknown>;
    const drop = (paths: string[]): string[] => paths.filter((p) => !p.includes('validFor.end') && !p.startsWith('timestampAuthorities')).sort();
    assert.deepEqual(drop(shape(ours)), drop(shape(prod)));
    assert.equal(ours.mediaType, 'application/vnd.dev.sigstore.trustedroot+json;version=0.1');
  });

  it('encodes keys, log ids, chains and times like production', () => {
    assert.deepEqual(ours.tlogs[0]?.publicKey, { rawBytes: rekor.spki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2026-01-01T00:00:00Z' } });
    assert.equal(ours.ctlogs[0]?.logId.keyId, createHash('sha256').update(ctKey.spki).digest('base64'));
    assert.deepEqual(ours.certificateAuthorities[0]?.subject, { organization: 'sealhouse', commonName: 'sealhouse-root' });
    assert.deepEqual(
      ours.certificateAuthorities[0]?.certChain.certificates.map((c) => c.rawBytes),
      [ca.generated.intermediate.toString('base64'), ca.generated.root.toString('base64')],
    );
    assert.equal(rfc3339(new Date('2022-12-31T23:59:59.999Z')), '2022-12-31T23:59:59.999Z');
  });

  it('loads into sigstore-js trust material', () => {
    const trust = toTrustMaterial(TrustedRoot.fromJSON(ours));
    assert.equal(trust.certificateAuthorities[0]?.certChain.length, 2);
    assert.equal(trust.ctlogs[0]?.logID.toString('base64'), ours.ctlogs[0]?.logId.keyId);
    assert.equal(trust.tlogs[0]?.baseURL, 'https://sealhouse.example.test');
  });
});

describe('our signing config builder', () => {
  const config = sealhouseSigningConfig({ baseUrl: 'https://sealhouse.example.test/', oidcUrl: 'https://idp.example.test', validFrom: new Date('2026-01-01T00:00:00Z'), operator: 'example.test' });

  it('has the v0.2 shape with rekorTlogConfig and no tsaConfig without TSAs', () => {
    assert.equal(config.mediaType, 'application/vnd.dev.sigstore.signingconfig.v0.2+json');
    assert.deepEqual(config.caUrls, [{ url: 'https://sealhouse.example.test', majorApiVersion: 1, validFor: { start: '2026-01-01T00:00:00Z' }, operator: 'example.test' }]);
    assert.deepEqual(config.rekorTlogConfig, { selector: 'ANY' });
    assert.equal(config.tsaConfig, undefined);
    assert.deepEqual(config.tsaUrls, []);
  });

  it('round-trips through protobuf-specs and builds a sigstore-js bundle builder', () => {
    const parsed = SigningConfig.fromJSON(config);
    assert.equal(parsed.mediaType, config.mediaType);
    assert.deepEqual(
      parsed.caUrls.map((s) => [s.url, s.majorApiVersion, s.validFor?.start?.toISOString(), s.operator]),
      [['https://sealhouse.example.test', 1, '2026-01-01T00:00:00.000Z', 'example.test']],
    );
    assert.equal(parsed.rekorTlogUrls[0]?.url, 'https://sealhouse.example.test');
    assert.equal(parsed.oidcUrls[0]?.url, 'https://idp.example.test');
    assert.ok(parsed.rekorTlogConfig);
    assert.equal(parsed.tsaConfig, undefined);
    const builder = bundleBuilderFromSigningConfig({
      signingConfig: parsed,
      identityProvider: { getToken: () => Promise.resolve('unused') },
      bundleType: 'messageSignature',
    });
    assert.ok(builder);
  });
});
