/**
 * Production compatibility: real public-good Rekor entries (test/vectors/manifest.json, group
 * "rekor"). For each, rebuild the proposed entry the client sent from the bundle and check that
 * canonicalizeProposedEntry yields exactly the logged canonicalizedBody and leaf hash.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import { canonicalizeProposedEntry, decodeCanonicalBody } from '../../src/entries/index.js';
import { encodePem } from '../../src/entries/pem.js';
import { readVectorJson } from '../helpers/vectors.js';

interface ManifestEntry {
  id: string;
  files: { original_bundle: string };
  kind: { kind: string; version: string };
  leafHash_hex: string;
}
interface Bundle {
  verificationMaterial: {
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    tlogEntries: { canonicalizedBody: string }[];
  };
  messageSignature?: { messageDigest: { digest: string }; signature: string };
  dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid: string }[] };
}

const manifest = readVectorJson<{ groups: { group: string; entries?: ManifestEntry[] }[] }>('manifest.json');
const entries = manifest.groups.find((g) => g.group === 'rekor')?.entries ?? [];
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

function leafCertDer(bundle: Bundle): Buffer | undefined {
  const vm = bundle.verificationMaterial;
  const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates[0]?.rawBytes;
  return raw === undefined ? undefined : Buffer.from(raw, 'base64');
}

/** Odd but valid PEM: CRLF line ends and 76-column lines, to prove re-encoding. */
function oddPem(der: Buffer): string {
  const body = der.toString('base64').match(/.{1,76}/g)?.join('\r\n') ?? '';
  return `-----BEGIN CERTIFICATE-----\r\n${body}\r\n-----END CERTIFICATE-----\r\n`;
}

describe('production Rekor entries rebuild byte-for-byte', () => {
  assert.ok(entries.length >= 4, 'manifest lists the production entries');
  for (const entry of entries) {
    const bundle = readVectorJson<Bundle>(entry.files.original_bundle);
    const tlog = bundle.verificationMaterial.tlogEntries[0];
    assert.ok(tlog !== undefined);
    const expectedBody = Buffer.from(tlog.canonicalizedBody, 'base64');

    if (entry.kind.kind === 'hashedrekord') {
      it(`${entry.id}: hashedrekord from messageSignature + certificate`, async () => {
        const ms = bundle.messageSignature;
        const der = leafCertDer(bundle);
        assert.ok(ms !== undefined && der !== undefined);
        for (const pem of [encodePem('CERTIFICATE', der), oddPem(der)]) {
          const proposed = {
            apiVersion: '0.0.1',
            kind: 'hashedrekord',
            spec: {
              data: { hash: { algorithm: 'sha256', value: Buffer.from(ms.messageDigest.digest, 'base64').toString('hex') } },
              signature: { content: ms.signature, publicKey: { content: b64(pem) } },
            },
          };
          // Logged before Rekor had an allow-list; cpython's P-384 key with sha256 is not in today's default.
          const result = await canonicalizeProposedEntry(proposed, {
            allowedAlgorithms: ['ecdsa-sha2-256-nistp256', 'ecdsa-sha2-256-nistp384'],
          });
          assert.equal(result.body.toString(), expectedBody.toString());
          assert.equal(result.leafHash.toString('hex'), entry.leafHash_hex);
          assert.ok(result.indexKeys.includes(`sha256:${proposed.spec.data.hash.value}`));
        }
      });
    } else {
      it(`${entry.id}: intoto 0.0.2 rebuilt as sigstore-js legacyCompatibility sends it`, async () => {
        const env = bundle.dsseEnvelope;
        assert.ok(env !== undefined);
        const sig = env.signatures[0];
        assert.ok(sig !== undefined);
        const logged = decodeCanonicalBody(expectedBody).spec as {
          content: { envelope: { signatures: { publicKey: string }[] }; hash: { value: string } };
        };
        const loggedKey = logged.content.envelope.signatures[0]?.publicKey;
        assert.ok(loggedKey !== undefined);
        // The certificate (when the bundle has one) rebuilds the exact PEM the client sent: Go-style
        // lines without the final newline. npm's publish attestation is signed with npm's own key,
        // which the bundle only names by hint, so its key is taken from the logged body.
        const der = leafCertDer(bundle);
        const keyPem = der === undefined ? Buffer.from(loggedKey, 'base64').toString() : encodePem('CERTIFICATE', der).trimEnd();
        assert.equal(b64(keyPem), loggedKey);
        const payload = Buffer.from(env.payload, 'base64');
        // These were logged in April 2023 by the npm CLI's sigstore-js 1.x, whose calculateDSSEHash
        // hashed JCS {payloadType, payload, signatures[{sig, keyid?}]} — no publicKey, unlike 4.x
        // (sigstore-shapes.test.ts covers 4.x). Rekor never recomputes this value.
        const hashInput = {
          payloadType: env.payloadType,
          payload: env.payload,
          signatures: [{ sig: sig.sig, ...(sig.keyid ? { keyid: sig.keyid } : {}) }],
        };
        const hash = createHash('sha256').update(canonicalize(hashInput) ?? '').digest('hex');
        assert.equal(hash, logged.content.hash.value, 'the client-computed envelope hash is reproducible');
        const proposed = {
          apiVersion: '0.0.2',
          kind: 'intoto',
          spec: {
            content: {
              envelope: {
                payloadType: env.payloadType,
                payload: b64(env.payload),
                signatures: [{ sig: b64(sig.sig), publicKey: b64(keyPem), ...(sig.keyid ? { keyid: sig.keyid } : {}) }],
              },
              hash: { algorithm: 'sha256', value: hash },
              payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
            },
          },
        };
        const result = await canonicalizeProposedEntry(proposed);
        assert.equal(result.body.toString(), expectedBody.toString());
        assert.equal(result.leafHash.toString('hex'), entry.leafHash_hex);
        assert.ok(result.indexKeys.some((k) => k.startsWith('sha512:76176ffa')), 'in-toto subject digest indexed');
      });
    }
  }
});
