/**
 * The trust documents with the 2026 stack in them (sigstore-2026.md §3–5): a Rekor v2 log beside
 * v1, identified by its checkpoint's note key ID, and the timestamp authority. Checked against
 * the production trusted root (log2025-1 and timestamp.sigstore.dev) for IDs and shape, and
 * loaded by sigstore-js the way a signing client reads them.
 */
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ServiceSelector, SigningConfig, TrustedRoot } from '@sigstore/protobuf-specs';
import { bundleBuilderFromSigningConfig } from '@sigstore/sign';
import { toTrustMaterial } from '@sigstore/verify';
import { trustDocumentsOf, type TrustInputs } from '../../src/trust/trust-documents.js';
import { noteKeyIdOf } from '../../src/trust/trusted-root.js';
import { keyPair, makeCa } from '../ca/fixtures.js';

interface ProductionLog {
  baseUrl: string;
  publicKey: { rawBytes: string; keyDetails: string };
  logId: { keyId: string };
}
const production = JSON.parse(readFileSync(new URL('../../../test/vectors/bundles/trusted_root.production.json', import.meta.url), 'utf8')) as {
  tlogs: ProductionLog[];
  timestampAuthorities: Record<string, unknown>[];
};

/** The set of key paths of a JSON value, for shape comparison ("a.b[].c"). */
function shape(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.length === 0 ? [`${path}[]`] : [...new Set(v.flatMap((x) => shape(x, `${path}[]`)))];
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => shape(x, path ? `${path}.${k}` : k));
  return [`${path}:${typeof v}`];
}

describe('trust documents with Rekor v2 and the TSA', () => {
  const ca = makeCa();
  const tsa = makeCa();
  const v1 = keyPair('P-256');
  const v2 = keyPair('ed25519');
  const ct = keyPair('P-256');
  const created = new Date('2026-06-01T12:00:00Z');
  const inputs: TrustInputs = {
    publicUrl: new URL('https://sigstore.corp.example:8443/'),
    rekor: [{ publicKey: v1.spki, activeFrom: created }],
    ct: [{ publicKey: ct.spki, activeFrom: created, baseUrl: 'https://sigstore.corp.example:8443' }],
    ca: [{ chain: ca.material.chain, validFrom: new Date(new X509Certificate(ca.material.chain[0] as Buffer).validFrom) }],
    oidcUrls: ['https://idp.corp.example'],
    rekorV2: [{ publicKey: v2.spki, activeFrom: new Date('2026-06-02T12:00:00Z'), baseUrl: 'https://sigstore.corp.example:8443', origin: 'sigstore.corp.example' }],
    tsa: { url: 'https://sigstore.corp.example:8443/api/v1/timestamp', authorities: [{ chain: tsa.material.chain, validFrom: new Date(new X509Certificate(tsa.material.chain[0] as Buffer).validFrom) }] },
  };
  const { trustedRoot, signingConfig } = trustDocumentsOf(inputs);

  it('the note key ID is the production log2025-1 logId, recomputed from its key and host name', () => {
    const log = production.tlogs.find((t) => t.publicKey.keyDetails === 'PKIX_ED25519');
    assert.ok(log, 'the production root lists an Ed25519 (Rekor v2) log');
    const id = noteKeyIdOf(new URL(log.baseUrl).hostname, Buffer.from(log.publicKey.rawBytes, 'base64'));
    assert.equal(id.toString('base64'), log.logId.keyId);
    assert.throws(() => noteKeyIdOf('example', v1.spki), /needs an Ed25519 key, got ec/);
  });

  it('lists v1 by SHA-256(SPKI) and v2 by its note key ID, both at the base URL', () => {
    assert.equal(trustedRoot.tlogs.length, 2);
    const [first, second] = trustedRoot.tlogs;
    assert.equal(first?.logId.keyId, createHash('sha256').update(v1.spki).digest('base64'));
    assert.equal(first?.publicKey.keyDetails, 'PKIX_ECDSA_P256_SHA_256');
    assert.equal(second?.baseUrl, 'https://sigstore.corp.example:8443');
    assert.equal(second?.publicKey.keyDetails, 'PKIX_ED25519');
    const raw = v2.spki.subarray(v2.spki.length - 32);
    const expected = createHash('sha256').update(Buffer.concat([Buffer.from('sigstore.corp.example\n'), Buffer.from([1]), raw])).digest('base64');
    assert.equal(second?.logId.keyId, expected);
    // The window opens a minute before the tree existed, like every log's (logValidFrom).
    assert.equal(second?.publicKey.validFor.start, '2026-06-02T11:59:00Z');
  });

  it('lists the TSA in the production shape: root subject, timestamp URL, chain leaf first', () => {
    const [authority] = trustedRoot.timestampAuthorities;
    assert.ok(authority);
    assert.deepEqual(shape(authority).sort(), shape(production.timestampAuthorities[0]).sort());
    assert.equal(authority.uri, 'https://sigstore.corp.example:8443/api/v1/timestamp');
    assert.deepEqual(
      authority.certChain.certificates.map((c) => c.rawBytes),
      tsa.material.chain.map((d) => d.toString('base64')),
    );
  });

  it('loads into sigstore-js trust material with both logs and the TSA', () => {
    const trust = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot));
    assert.equal(trust.tlogs.length, 2);
    assert.deepEqual(
      trust.tlogs.map((t) => t.logID.toString('base64')),
      trustedRoot.tlogs.map((t) => t.logId.keyId),
    );
    assert.equal(trust.timestampAuthorities.length, 1);
    assert.equal(trust.timestampAuthorities[0]?.certChain.length, tsa.material.chain.length);
  });

  it('the signing config offers v1 and v2 by majorApiVersion, and the TSA with tsaConfig ANY', () => {
    assert.deepEqual(
      signingConfig.rekorTlogUrls.map((s) => [s.url, s.majorApiVersion, s.validFor.start, s.operator]),
      [
        ['https://sigstore.corp.example:8443', 1, '2026-06-01T11:59:00Z', 'sigstore.corp.example'],
        // Strictly older than v1, so sigstore-js (newest start wins) stays on v1 — see the next test.
        ['https://sigstore.corp.example:8443', 2, '2026-06-01T11:58:59Z', 'sigstore.corp.example'],
      ],
    );
    // The trusted root keeps v2's own window: that is what verification uses.
    assert.equal(trustedRoot.tlogs[1]?.publicKey.validFor.start, '2026-06-02T11:59:00Z');
    assert.deepEqual(signingConfig.tsaUrls.map((s) => [s.url, s.majorApiVersion, s.operator]), [['https://sigstore.corp.example:8443/api/v1/timestamp', 1, 'sigstore.corp.example']]);
    assert.deepEqual(signingConfig.tsaConfig, { selector: 'ANY' });
    const parsed = SigningConfig.fromJSON(signingConfig);
    assert.equal(parsed.tsaConfig?.selector, ServiceSelector.ANY);
    assert.equal(parsed.rekorTlogUrls[1]?.majorApiVersion, 2);
    assert.ok(bundleBuilderFromSigningConfig({ signingConfig: parsed, identityProvider: { getToken: () => Promise.resolve('unused') }, bundleType: 'messageSignature' }));
  });

  it('sigstore-js, which picks the newest start whatever the version, logs to v1 (its DSSE requests are v1-only); v2 is there for clients that pick by version', () => {
    // Even with v2's tree created a day after v1's.
    for (const activeFrom of [created, new Date('2026-06-02T12:00:00Z')]) {
      const { signingConfig: config } = trustDocumentsOf({ ...inputs, rekorV2: [{ ...(inputs.rekorV2?.[0] as NonNullable<TrustInputs['rekorV2']>[number]), activeFrom }] });
      const builder = bundleBuilderFromSigningConfig({ signingConfig: SigningConfig.fromJSON(config), identityProvider: { getToken: () => Promise.resolve('unused') }, bundleType: 'dsseEnvelope' });
      const witnesses = (builder as unknown as { witnesses: { majorApiVersion?: number }[] }).witnesses;
      assert.deepEqual(witnesses.filter((w) => w.majorApiVersion !== undefined).map((w) => w.majorApiVersion), [1]);
    }
  });

  it('without v2 and a TSA it is the v1-only document it was', () => {
    const plain = trustDocumentsOf({ ...inputs, rekorV2: undefined, tsa: undefined });
    assert.equal(plain.trustedRoot.tlogs.length, 1);
    assert.deepEqual(plain.trustedRoot.timestampAuthorities, []);
    assert.deepEqual(plain.signingConfig.rekorTlogUrls.map((s) => s.majorApiVersion), [1]);
    assert.deepEqual(plain.signingConfig.tsaUrls, []);
    assert.equal(plain.signingConfig.tsaConfig, undefined);
  });
});
