/**
 * A Rekor v2 `CreateEntryRequest` (sigstore/rekor-tiles api/proto/rekor/v2) turned into the entry
 * the log stores, as rekor-tiles' pkg/types/hashedrekord ToLogEntry does: only
 * `hashedRekordRequestV002` is accepted (`dsseRequestV002` was dropped in rekor-tiles v2.3.0;
 * clients log DSSE as a hashedrekord over the PAE digest), fields present, a DER public key or
 * certificate, keyDetails on the allow-list and naming this key, the digest as long as its
 * algorithm's output, and the signature verified over the digest.
 *
 *   {"hashedRekordRequestV002":{"digest":b64,"signature":{"content":b64,
 *     "verifier":{"publicKey":{"rawBytes":b64}|"x509Certificate":{"rawBytes":b64},"keyDetails":"PKIX_…"}}}}
 *
 * The stored body (canonicalizedBody, the Merkle leaf data) is RFC 8785 JCS of the protojson
 * `Entry`, byte for byte what rekor-tiles stores and what sigstore-go rebuilds to check the
 * inclusion proof (pkg/tlog/entry.go; rekor-tiles ToEntryHash):
 *
 *   {"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"SHA2_256",
 *    "digest":b64},"signature":{"content":b64,"verifier":{"keyDetails":…,"publicKey"|"x509Certificate":{"rawBytes":b64}}}}}}
 *
 * rekor-tiles answers every validation failure "invalid hashedrekord request" and logs the
 * reason; Sealhouse keeps that prefix and tells the client the reason too.
 */
import canonicalize from 'canonicalize';
import type { DigestAlgorithm } from '../core/algorithms.js';
import { readOne, TAG } from '../core/der.js';
import { loadCertificate } from '../entries/certificate.js';
import { verifyDigest, verifyDigestOffThread } from '../entries/digest-verify.js';
import { describeKey, toKeyInfo, type PublicKeyInfo } from '../entries/keys.js';
import { checkSpki } from '../entries/spki-check.js';
import { assert } from '../errors.js';
import { leafHash } from '../merkle/hash.js';
import { MAX_BUNDLED_ENTRY_BYTES } from '../storage/tree-store.js';
import { ALLOWED_KEY_DETAILS, DIGEST_BYTES, keyMatches, PUBLIC_KEY_DETAILS } from './key-details.js';
import { field, invalid, oneOf, readBytes, readEnum, readMessage } from './protojson-reader.js';

export const KIND = 'hashedrekord';
export const API_VERSION = '0.0.2';

/** rekor-tiles' answer to any request that is not a hashedrekord (internal/server/service.go). */
export const NOT_HASHEDREKORD = 'invalid type, must be hashedrekord';
const PREFIX = 'invalid hashedrekord request';

export interface V2Entry {
  /** The canonicalized body: leaf data, entry-bundle content, `canonicalizedBody` in responses. */
  readonly body: Buffer;
  readonly leafHash: Buffer;
}

const bad = (reason: string): Error => invalid(`${PREFIX}: ${reason}`);

function readKey(rawBytes: Buffer, form: 'publicKey' | 'x509Certificate'): PublicKeyInfo {
  const what = `signature.verifier.${form}`;
  try {
    if (form === 'x509Certificate') return toKeyInfo(loadCertificate(rawBytes, what).key, what);
    readOne(rawBytes, TAG.SEQUENCE, 'public key');
    const verdict = checkSpki(rawBytes);
    if (!verdict.ok) throw new Error(verdict.reason);
    return toKeyInfo(verdict.key, what);
  } catch (err) {
    throw bad(`parsing verifier: ${(err as Error).message}`);
  }
}

/** A request checked in every way but its signature, and what checking the signature takes. */
interface CheckedRequest {
  readonly entry: V2Entry;
  readonly key: PublicKeyInfo;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly digest: Buffer;
  readonly signature: Buffer;
}

const signatureRefused = (key: PublicKeyInfo): Error => bad(`verifying signature: the ${describeKey(key)} signature does not verify over the given digest`);

/** The entry a valid request logs; throws `invalid_input` (400) with the reason otherwise. */
export function hashedRekordEntry(request: unknown): V2Entry {
  const checked = checkRequest(request);
  if (!verifyDigest(checked.key, checked.digestAlgorithm, checked.digest, checked.signature)) throw signatureRefused(checked.key);
  return checked.entry;
}

/**
 * hashedRekordEntry for the write path: the signature is verified off the server's JavaScript
 * thread (libuv's pool, entries/digest-verify.ts), which is its write limit.
 */
export async function hashedRekordEntryVerifiedOffThread(request: unknown): Promise<V2Entry> {
  const checked = checkRequest(request);
  if (!(await verifyDigestOffThread(checked.key, checked.digestAlgorithm, checked.digest, checked.signature))) throw signatureRefused(checked.key);
  return checked.entry;
}

function checkRequest(request: unknown): CheckedRequest {
  const top = readMessage(request, 'CreateEntryRequest', [field('hashedRekordRequestV002', 'hashed_rekord_request_v002'), field('dsseRequestV002', 'dsse_request_v002')]);
  if (oneOf(top, ['hashedRekordRequestV002', 'dsseRequestV002'], 'CreateEntryRequest') !== 'hashedRekordRequestV002') throw invalid(NOT_HASHEDREKORD);

  const hr = readMessage(top.get('hashedRekordRequestV002'), 'hashedRekordRequestV002', [field('digest'), field('signature')]);
  const digest = readBytes(hr.get('digest'), 'hashedRekordRequestV002.digest');
  const sigFields = hr.has('signature') ? readMessage(hr.get('signature'), 'signature', [field('content'), field('verifier')]) : undefined;
  const content = readBytes(sigFields?.get('content'), 'signature.content');
  if (!sigFields || content.length === 0) throw bad('missing signature');
  if (!sigFields.has('verifier')) throw bad('missing verifier');
  if (digest.length === 0) throw bad('missing digest');

  const verifier = readMessage(sigFields.get('verifier'), 'signature.verifier', [
    field('publicKey', 'public_key'),
    field('x509Certificate', 'x509_certificate'),
    field('keyDetails', 'key_details'),
  ]);
  const form = oneOf(verifier, ['publicKey', 'x509Certificate'], 'signature.verifier') as 'publicKey' | 'x509Certificate' | undefined;
  if (form === undefined) throw bad('invalid verifier: missing signature public key or X.509 certificate');
  const material = readMessage(verifier.get(form), `signature.verifier.${form}`, [field('rawBytes', 'raw_bytes')]);
  const rawBytes = readBytes(material.get('rawBytes'), `signature.verifier.${form}.rawBytes`);
  if (rawBytes.length === 0) throw bad(`invalid verifier: missing ${form === 'publicKey' ? 'public key' : 'X.509 certificate'} raw bytes`);

  const keyDetails = readEnum(verifier.get('keyDetails'), 'signature.verifier.keyDetails', PUBLIC_KEY_DETAILS);
  const allowed = [...ALLOWED_KEY_DETAILS.keys()].join(', ');
  if (keyDetails === undefined || keyDetails === 'PUBLIC_KEY_DETAILS_UNSPECIFIED') throw bad(`signature.verifier.keyDetails is required (one of ${allowed})`);
  if (keyDetails === 'PKIX_ED25519') throw bad('unsupported signing algorithm PKIX_ED25519 for hashedrekord: no associated digest algorithm (sign with Ed25519ph: PKIX_ED25519_PH)');
  const detail = ALLOWED_KEY_DETAILS.get(keyDetails);
  if (detail === undefined) throw bad(`unsupported signing algorithm ${keyDetails} (this log accepts ${allowed})`);

  const text = canonicalize({
    apiVersion: API_VERSION,
    kind: KIND,
    spec: {
      hashedRekordV002: {
        data: { algorithm: detail.hashAlgorithm, digest: digest.toString('base64') },
        signature: { content: content.toString('base64'), verifier: { [form]: { rawBytes: rawBytes.toString('base64') }, keyDetails } },
      },
    },
  });
  assert(text !== undefined, 'a hashedrekord entry serialises');
  const body = Buffer.from(text, 'utf8');
  // An entry bundle (tlog-tiles) carries each entry behind a uint16 length: refuse what it cannot
  // serve, before any key is parsed or signature checked.
  if (body.length > MAX_BUNDLED_ENTRY_BYTES) throw bad(`the entry would be ${body.length} bytes; a tlog-tiles entry bundle holds at most ${MAX_BUNDLED_ENTRY_BYTES}`);
  const key = readKey(rawBytes, form);
  if (!keyMatches(detail, key)) throw bad(`keyDetails ${keyDetails} does not describe the verifier's key (${describeKey(key)})`);
  const expected = DIGEST_BYTES[detail.digest];
  if (digest.length !== expected) throw bad(`digest length (${digest.length}) does not match expected size (${expected}) for algorithm ${detail.digest.toUpperCase().replace('SHA', 'SHA-')}`);
  return { entry: { body, leafHash: leafHash(body) }, key, digestAlgorithm: detail.digest, digest, signature: content };
}
