/**
 * The production Rekor entries of test/vectors (manifest group "rekor") and the proposed entries
 * their clients sent, rebuilt from each original bundle (rekor-api.md §2.1, §2.3). Shared by
 * the canonicalization test (test/entries) and the over-HTTP test (test/e2e).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { decodeCanonicalBody } from '../../src/entries/index.js';
import { toPem } from '../../src/core/pem.js';
import { readVectorJson } from '../helpers/vectors.js';

interface ManifestEntry {
  id: string;
  files: { original_bundle: string };
  kind: { kind: string; version: string };
  leafHash_hex: string;
}

export interface Bundle {
  verificationMaterial: {
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    tlogEntries: { canonicalizedBody: string }[];
  };
  messageSignature?: { messageDigest: { digest: string }; signature: string };
  dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid: string }[] };
}

export interface ProductionVector {
  readonly entry: ManifestEntry;
  readonly bundle: Bundle;
  /** The canonicalizedBody production Rekor logged. */
  readonly expectedBody: Buffer;
}

export function productionVectors(): ProductionVector[] {
  const manifest = readVectorJson<{ groups: { group: string; entries?: ManifestEntry[] }[] }>('manifest.json');
  return (manifest.groups.find((g) => g.group === 'rekor')?.entries ?? []).map((entry) => {
    const bundle = readVectorJson<Bundle>(entry.files.original_bundle);
    const tlog = bundle.verificationMaterial.tlogEntries[0];
    if (tlog === undefined) throw new Error(`${entry.id}: the bundle has no tlog entry`);
    return { entry, bundle, expectedBody: Buffer.from(tlog.canonicalizedBody, 'base64') };
  });
}

/** Logged before Rekor had an allow-list; cpython's P-384 key with sha256 is not in today's default. */
export const PRODUCTION_ALGORITHMS = ['ecdsa-sha2-256-nistp256', 'ecdsa-sha2-256-nistp384'];

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

export function leafCertDer(bundle: Bundle): Buffer | undefined {
  const vm = bundle.verificationMaterial;
  const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates[0]?.rawBytes;
  return raw === undefined ? undefined : Buffer.from(raw, 'base64');
}

/** Odd but valid PEM: CRLF line ends and 76-column lines, to prove re-encoding. */
function oddPem(der: Buffer): string {
  const body = der.toString('base64').match(/.{1,76}/g)?.join('\r\n') ?? '';
  return `-----BEGIN CERTIFICATE-----\r\n${body}\r\n-----END CERTIFICATE-----\r\n`;
}

/** hashedrekord proposals from messageSignature + certificate: Go-style PEM first, then odd PEM. */
export function hashedrekordProposals(bundle: Bundle): { proposed: { spec: { data: { hash: { value: string } } } }; pem: string }[] {
  const ms = bundle.messageSignature;
  const der = leafCertDer(bundle);
  if (ms === undefined || der === undefined) throw new Error('a hashedrekord bundle has a messageSignature and a certificate');
  return [toPem(der, 'CERTIFICATE'), oddPem(der)].map((pem) => ({
    pem,
    proposed: {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: Buffer.from(ms.messageDigest.digest, 'base64').toString('hex') } },
        signature: { content: ms.signature, publicKey: { content: b64(pem) } },
      },
    },
  }));
}

/**
 * The intoto 0.0.2 entry as sigstore-js legacyCompatibility sent it. The certificate (when the
 * bundle has one) rebuilds the exact PEM the client sent: Go-style lines without the final
 * newline. npm's publish attestation is signed with npm's own key, which the bundle only names
 * by hint, so its key is taken from the logged body. These were logged in April 2023 by the npm
 * CLI's sigstore-js 1.x, whose calculateDSSEHash hashed JCS {payloadType, payload,
 * signatures[{sig, keyid?}]} — no publicKey, unlike 4.x. Rekor never recomputes this value.
 */
export function intotoProposal(bundle: Bundle, expectedBody: Buffer): { proposed: unknown; keyPem: string; loggedKey: string; hash: string; loggedHash: string } {
  const env = bundle.dsseEnvelope;
  const sig = env?.signatures[0];
  if (env === undefined || sig === undefined) throw new Error('an intoto bundle has a signed DSSE envelope');
  const logged = decodeCanonicalBody(expectedBody).spec as { content: { envelope: { signatures: { publicKey: string }[] }; hash: { value: string } } };
  const loggedKey = logged.content.envelope.signatures[0]?.publicKey ?? '';
  const der = leafCertDer(bundle);
  const keyPem = der === undefined ? Buffer.from(loggedKey, 'base64').toString() : toPem(der, 'CERTIFICATE').trimEnd();
  const hashInput = { payloadType: env.payloadType, payload: env.payload, signatures: [{ sig: sig.sig, ...(sig.keyid ? { keyid: sig.keyid } : {}) }] };
  const hash = createHash('sha256').update(canonicalize(hashInput) ?? '').digest('hex');
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
        payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(Buffer.from(env.payload, 'base64')).digest('hex') },
      },
    },
  };
  return { proposed, keyPem, loggedKey, hash, loggedHash: logged.content.hash.value };
}
