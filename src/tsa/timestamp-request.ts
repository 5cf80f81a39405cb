/**
 * Timestamp requests, in the two forms sigstore's timestamp-authority takes (pkg/api/timestamp.go):
 *
 * - DER `application/timestamp-query`, RFC 3161 §2.4.1:
 *     TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
 *       reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE,
 *       extensions [0] IMPLICIT Extensions OPTIONAL }
 *     MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
 *   read with core's strict DER reader; what sigstore-go and cosign send.
 * - JSON `application/json`: {"artifactHash": b64, "hashAlgorithm": "sha256", "certificates": bool,
 *   "nonce": int, "tsaPolicyOID": "…"}; what sigstore-js sends. `null` means absent (Go clients).
 *
 * Both end as one TimestampRequest, held to timestamp-authority's rules: SHA-256/384/512 only
 * (SHA-1 is refused as weak, anything else as unsupported), the digest as long as its hash, no
 * policy but ours, no request extensions. Every refusal is a SealhouseError('invalid_input'): 400.
 */
import { tryDecodeBase64 } from '../core/base64.js';
import { children, decodeOid, expectTag, readOne, TAG, type Tlv } from '../core/der.js';
import { tlv, unsignedInteger } from '../core/der-writer.js';
import { encodeOid } from '../ca/x509-sign.js';
import { SealhouseError } from '../errors.js';

/** The policy every token is issued under: sigstore's (timestamp-authority --default-policy-oid). */
export const TSA_POLICY_OID = '1.3.6.1.4.1.57264.2';

export type ImprintHash = 'sha256' | 'sha384' | 'sha512';

export interface TimestampRequest {
  readonly hash: ImprintHash;
  /** The AlgorithmIdentifier to echo in the token's messageImprint (RFC 3161 §2.4.2: the same value as the request's). */
  readonly hashAlgorithm: Uint8Array;
  readonly hashedMessage: Uint8Array;
  /** The nonce as a whole INTEGER TLV, echoed byte for byte. */
  readonly nonce?: Uint8Array;
  /** Include the TSA certificate in the token (certReq / `certificates`). */
  readonly certReq: boolean;
}

interface HashSpec {
  readonly hash: ImprintHash;
  readonly oid: string;
  readonly name: string;
  readonly length: number;
}

const HASHES: readonly HashSpec[] = [
  { hash: 'sha256', oid: '2.16.840.1.101.3.4.2.1', name: 'SHA-256', length: 32 },
  { hash: 'sha384', oid: '2.16.840.1.101.3.4.2.2', name: 'SHA-384', length: 48 },
  { hash: 'sha512', oid: '2.16.840.1.101.3.4.2.3', name: 'SHA-512', length: 64 },
];
const SHA1_OID = '1.3.14.3.2.26';
/** Nonces are 64 to 160 bits in practice (OpenSSL, Go clients); anything much longer is not a nonce. */
const MAX_NONCE_BYTES = 64;

const bad = (message: string): SealhouseError => new SealhouseError('invalid_input', message);
const weak = (): SealhouseError => bad('SHA-1 message imprints are refused as too weak: send a SHA-256, SHA-384 or SHA-512 digest');
const unsupported = (what: string): SealhouseError => bad(`unsupported hash algorithm ${what}: this TSA accepts SHA-256, SHA-384 and SHA-512`);

/** `{ algorithm, NULL }`, the form Go's timestamp package and OpenSSL write. */
const nullParamsAlgorithm = (spec: HashSpec): Uint8Array => tlv(TAG.SEQUENCE, encodeOid(spec.oid), Uint8Array.of(TAG.NULL, 0));

function checkDigest(spec: HashSpec, digest: Uint8Array): void {
  if (digest.length !== spec.length) throw bad(`the message imprint is ${digest.length} bytes, but a ${spec.name} digest is ${spec.length}`);
}

function checkPolicy(oid: string): void {
  if (oid !== TSA_POLICY_OID) throw bad(`unaccepted policy ${oid.slice(0, 100)}: this TSA issues timestamps under policy ${TSA_POLICY_OID} only`);
}

function checkNonce(nonce: Tlv): void {
  const v = nonce.value;
  if (v.length === 0) throw bad('the nonce is an empty INTEGER');
  if (v.length > MAX_NONCE_BYTES) throw bad(`the nonce is ${v.length} bytes; at most ${MAX_NONCE_BYTES} are accepted`);
  // X.690 §8.3.2: no needless leading 0x00 or 0xff octet.
  const [a = 0, b = 0] = v;
  if (v.length > 1 && ((a === 0x00 && (b & 0x80) === 0) || (a === 0xff && (b & 0x80) !== 0))) throw bad('the nonce INTEGER is not minimally encoded (DER)');
}

function hashOfAlgorithm(alg: Tlv | undefined): HashSpec {
  const [oidTlv, params, extra] = children(expectTag(alg, TAG.SEQUENCE, 'hashAlgorithm'), 'hashAlgorithm');
  const oid = decodeOid(expectTag(oidTlv, TAG.OID, 'hashAlgorithm algorithm').value, 'hashAlgorithm algorithm');
  if (oid === SHA1_OID) throw weak();
  const spec = HASHES.find((h) => h.oid === oid);
  if (!spec) throw unsupported(oid.slice(0, 100));
  // RFC 5754 §2: parameters absent or NULL; nothing else means anything for SHA-2.
  if (extra !== undefined || (params !== undefined && (params.tag !== TAG.NULL || params.value.length !== 0))) throw bad(`the ${spec.name} AlgorithmIdentifier has parameters other than NULL`);
  return spec;
}

/** Optional TimeStampReq fields in their order: the rank of each tag, or 0 for none of them. */
const OPTIONAL_RANK: Readonly<Record<number, number>> = { [TAG.OID]: 1, [TAG.INTEGER]: 2, [TAG.BOOLEAN]: 3, 0xa0: 4 };

/** A DER TimeStampReq (application/timestamp-query). */
export function parseTimestampQuery(der: Uint8Array): TimestampRequest {
  try {
    const [version, imprint, ...rest] = children(readOne(der, TAG.SEQUENCE, 'TimeStampReq'), 'TimeStampReq');
    const v = expectTag(version, TAG.INTEGER, 'version').value;
    if (v.length !== 1 || v[0] !== 1) throw bad('the TimeStampReq version must be 1');
    const [alg, message, extra] = children(expectTag(imprint, TAG.SEQUENCE, 'messageImprint'), 'messageImprint');
    if (extra !== undefined) throw bad('the messageImprint has more than two fields');
    const spec = hashOfAlgorithm(alg);
    const hashedMessage = expectTag(message, TAG.OCTET_STRING, 'hashedMessage').value;
    checkDigest(spec, hashedMessage);
    let nonce: Uint8Array | undefined;
    let certReq = false;
    let last = 0;
    for (const field of rest) {
      const rank = OPTIONAL_RANK[field.tag] ?? 0;
      if (rank <= last) throw bad(`the TimeStampReq has an unexpected field (tag 0x${field.tag.toString(16)}) after the messageImprint`);
      last = rank;
      if (field.tag === TAG.OID) checkPolicy(decodeOid(field.value, 'reqPolicy'));
      else if (field.tag === TAG.INTEGER) {
        checkNonce(field);
        nonce = field.raw;
      } else if (field.tag === TAG.BOOLEAN) {
        // Go's asn1 and DER: a BOOLEAN is one octet, 0x00 or 0xff.
        if (field.value.length !== 1 || (field.value[0] !== 0 && field.value[0] !== 0xff)) throw bad('certReq is not a DER BOOLEAN');
        certReq = field.value[0] === 0xff;
      } else throw bad('request extensions are not supported by this TSA');
    }
    return { hash: spec.hash, hashAlgorithm: (alg as Tlv).raw, hashedMessage, ...(nonce ? { nonce } : {}), certReq };
  } catch (err) {
    if (err instanceof SealhouseError) throw err;
    throw bad(`the body is not a DER TimeStampReq (RFC 3161 §2.4.1): ${(err as Error).message}`);
  }
}

const present = (v: unknown): boolean => v !== undefined && v !== null;

/** The JSON form (application/json), already parsed. */
export function parseJsonTimestampRequest(body: unknown): TimestampRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad('the body must be a JSON object {"artifactHash", "hashAlgorithm", "certificates", "nonce", "tsaPolicyOID"}');
  }
  const { artifactHash, hashAlgorithm, certificates, nonce, tsaPolicyOID } = body as Record<string, unknown>;
  if (present(hashAlgorithm) && typeof hashAlgorithm !== 'string') throw bad('hashAlgorithm must be a string such as "sha256"');
  const name = typeof hashAlgorithm === 'string' ? hashAlgorithm.toLowerCase() : '';
  if (name === 'sha1') throw weak();
  const spec = HASHES.find((h) => h.hash === name);
  if (!spec) throw unsupported(JSON.stringify(name.slice(0, 100)));

  if (present(artifactHash) && typeof artifactHash !== 'string') throw bad('artifactHash must be a base64 string');
  const hashedMessage = tryDecodeBase64(typeof artifactHash === 'string' ? artifactHash : '', 'go-std');
  if (hashedMessage === undefined) throw bad('artifactHash is not standard base64');
  checkDigest(spec, hashedMessage);

  if (present(certificates) && typeof certificates !== 'boolean') throw bad('certificates must be true or false');
  if (present(tsaPolicyOID) && typeof tsaPolicyOID !== 'string') throw bad('tsaPolicyOID must be a dotted OID string');
  if (typeof tsaPolicyOID === 'string' && tsaPolicyOID !== '') checkPolicy(tsaPolicyOID);

  let nonceTlv: Uint8Array | undefined;
  if (present(nonce)) {
    // JSON.parse reads numbers as doubles; a larger nonce would be echoed as a different number.
    if (typeof nonce !== 'number' || !Number.isSafeInteger(nonce) || nonce < 0) {
      throw bad('nonce must be a non-negative integer below 2^53 in the JSON form (send a DER TimeStampReq for larger nonces)');
    }
    const hex = nonce.toString(16);
    const bytes = Uint8Array.from((hex.length % 2 ? `0${hex}` : hex).match(/../g) ?? [], (h) => parseInt(h, 16));
    nonceTlv = unsignedInteger(bytes);
  }
  return { hash: spec.hash, hashAlgorithm: nullParamsAlgorithm(spec), hashedMessage, ...(nonceTlv ? { nonce: nonceTlv } : {}), certReq: certificates === true };
}
