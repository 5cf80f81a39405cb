/**
 * Builds `trusted_root.json`: protobuf-specs `dev.sigstore.trustroot.v1.TrustedRoot` in protojson
 * form (reference §4.1; https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_trustroot.proto).
 * Pure: keys and chains in, JSON out. bytes are standard base64, timestamps RFC 3339, enums by name.
 *
 *   { "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
 *     "tlogs": [{ "baseUrl", "hashAlgorithm": "SHA2_256",
 *                 "publicKey": { "rawBytes", "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": { "start" } },
 *                 "logId": { "keyId": "<b64 sha256(SPKI)>" } }],
 *     "certificateAuthorities": [{ "subject": { "organization", "commonName" }, "uri",
 *                                  "certChain": { "certificates": [{ "rawBytes": intermediate }, { "rawBytes": root }] },
 *                                  "validFor": { "start" } }],
 *     "ctlogs": [ same shape as tlogs ], "timestampAuthorities": [] }
 */
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { bufferOf } from '../buffer-view.js';
import { ed25519NoteKeyId } from '../core/trust.js';
import { SealhouseError } from '../errors.js';
import { nodeCrypto } from '../node-crypto.js';

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

export interface TimeRangeJson {
  start: string;
  end?: string;
}
export interface TransparencyLogJson {
  baseUrl: string;
  hashAlgorithm: 'SHA2_256';
  publicKey: { rawBytes: string; keyDetails: string; validFor: TimeRangeJson };
  logId: { keyId: string };
}
export interface CertificateAuthorityJson {
  subject: { organization?: string; commonName?: string };
  uri: string;
  certChain: { certificates: { rawBytes: string }[] };
  validFor: TimeRangeJson;
}
export interface TrustedRootJson {
  mediaType: string;
  tlogs: TransparencyLogJson[];
  certificateAuthorities: CertificateAuthorityJson[];
  ctlogs: TransparencyLogJson[];
  /** Same shape as a CA: subject of the TSA's root, its `uri` the timestamp URL, chain leaf first. */
  timestampAuthorities: CertificateAuthorityJson[];
}

export interface LogInput {
  readonly baseUrl: string;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey: Buffer;
  readonly validFrom: Date;
  readonly validTo?: Date;
  /**
   * `logId.keyId` when it is not SHA-256(SPKI): a Rekor v2 log is identified by its checkpoint's
   * note key ID (noteKeyIdOf), which is what sigstore-go matches the entry's logId against.
   */
  readonly keyId?: Buffer;
}
export interface CaInput {
  readonly uri: string;
  /** [intermediate, …, root], DER: both levels, root last (reference §8 item 8). */
  readonly chain: readonly Buffer[];
  readonly validFrom: Date;
  readonly validTo?: Date;
}

/** protojson Timestamp: Z-normalised, fraction only when non-zero (`2022-12-31T23:59:59.999Z`). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

const timeRange = (from: Date, to?: Date): TimeRangeJson => (to ? { start: rfc3339(from), end: rfc3339(to) } : { start: rfc3339(from) });

/** The protobuf-specs PublicKeyDetails name for a SubjectPublicKeyInfo. */
export function keyDetailsOf(spki: Buffer): string {
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const name = { prime256v1: 'PKIX_ECDSA_P256_SHA_256', secp384r1: 'PKIX_ECDSA_P384_SHA_384', secp521r1: 'PKIX_ECDSA_P521_SHA_512' }[d.namedCurve ?? ''];
    if (name) return name;
  } else if (key.asymmetricKeyType === 'ed25519') {
    return 'PKIX_ED25519';
  } else if (key.asymmetricKeyType === 'rsa' && [2048, 3072, 4096].includes(d.modulusLength ?? 0)) {
    return `PKIX_RSA_PKCS1V15_${d.modulusLength}_SHA256`;
  }
  throw new SealhouseError('malformed_key', `no trusted-root key type for ${key.asymmetricKeyType ?? 'unknown'} ${d.namedCurve ?? d.modulusLength ?? ''}`);
}

/** `logId.keyId`: base64 SHA-256 of the DER SPKI (Rekor, CT and the SCT's `id` all use this). */
export const logIdOf = (spki: Buffer): string => createHash('sha256').update(spki).digest('base64');

/**
 * A Rekor v2 log's ID: the full C2SP note key ID of its Ed25519 checkpoint key,
 * SHA-256(origin ‖ 0x0A ‖ 0x01 ‖ 32-byte public key) (sigstore-go pkg/note; the production
 * trusted root's log2025-1 entry is exactly this — test/trust/trusted-root.test.ts).
 */
export function noteKeyIdOf(origin: string, spki: Buffer): Buffer {
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new SealhouseError('malformed_key', `a note key ID needs an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  return bufferOf(ed25519NoteKeyId(nodeCrypto, origin, spki.subarray(spki.length - 32)));
}

export function transparencyLog(log: LogInput): TransparencyLogJson {
  return {
    baseUrl: log.baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: log.publicKey.toString('base64'), keyDetails: keyDetailsOf(log.publicKey), validFor: timeRange(log.validFrom, log.validTo) },
    logId: { keyId: log.keyId ? log.keyId.toString('base64') : logIdOf(log.publicKey) },
  };
}

/** Subject taken from the root (last) certificate, as the public-good root does (`O=sigstore.dev, CN=sigstore`). */
export function certificateAuthority(ca: CaInput): CertificateAuthorityJson {
  const root = ca.chain[ca.chain.length - 1];
  if (!root) throw new SealhouseError('invalid_input', 'a certificate authority needs at least one certificate');
  const fields = new Map(
    new X509Certificate(root).subject.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
  );
  const subject: CertificateAuthorityJson['subject'] = {};
  if (fields.has('O')) subject.organization = fields.get('O');
  if (fields.has('CN')) subject.commonName = fields.get('CN');
  return {
    subject,
    uri: ca.uri,
    certChain: { certificates: ca.chain.map((der) => ({ rawBytes: der.toString('base64') })) },
    validFor: timeRange(ca.validFrom, ca.validTo),
  };
}

export function buildTrustedRoot(input: {
  tlogs: readonly LogInput[];
  certificateAuthorities: readonly CaInput[];
  ctlogs: readonly LogInput[];
  timestampAuthorities?: readonly CaInput[];
}): TrustedRootJson {
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: input.tlogs.map(transparencyLog),
    certificateAuthorities: input.certificateAuthorities.map(certificateAuthority),
    ctlogs: input.ctlogs.map(transparencyLog),
    timestampAuthorities: (input.timestampAuthorities ?? []).map(certificateAuthority),
  };
}

/** Sealhouse's own root: one Rekor, one CA, one CT log, all valid from `validFrom`. */
export function sealhouseTrustedRoot(input: {
  rekorUrl: string;
  rekorPublicKey: Buffer;
  fulcioUrl: string;
  caChain: readonly Buffer[];
  ctLogUrl: string;
  ctLogPublicKey: Buffer;
  validFrom: Date;
}): TrustedRootJson {
  return buildTrustedRoot({
    tlogs: [{ baseUrl: input.rekorUrl, publicKey: input.rekorPublicKey, validFrom: input.validFrom }],
    certificateAuthorities: [{ uri: input.fulcioUrl, chain: input.caChain, validFrom: input.validFrom }],
    ctlogs: [{ baseUrl: input.ctLogUrl, publicKey: input.ctLogPublicKey, validFrom: input.validFrom }],
  });
}
