/**
 * A PKCS#10 certificate signing request as proof of possession (RFC 2986,
 * https://www.rfc-editor.org/rfc/rfc2986), the way Fulcio's CreateSigningCertificate handles
 * `certificateSigningRequest` (reference §1.1): parse, refuse weak keys, check the
 * self-signature, and take the hash for the allow-list from the CSR's signature algorithm.
 * Every other CSR field (subject, attributes) is ignored, as in Fulcio.
 *
 * pkijs parses the structure; the signature is checked with node:crypto over the exact
 * CertificationRequestInfo bytes, because pkijs' WebCrypto path has no Ed25519.
 */
import { verify } from 'node:crypto';
import * as pkijs from 'pkijs';
import { SealhouseError } from '../errors.js';
import { bufferOf } from '../buffer-view.js';
import { children, readOne, TAG } from '../core/der.js';
import { pemBlocks } from '../core/pem.js';
import { type AcceptedKey, acceptSpki } from './public-key.js';

export const INVALID_CSR = 'The certificate signing request could not be parsed';
export const INVALID_SIGNATURE = 'The signature supplied in the request could not be verified';

type Hash = 'sha256' | 'sha384' | 'sha512' | null;

/** CSR signature algorithms Fulcio maps to a hash (grpc_server.go getHashFuncForSignatureAlgorithm). */
const SIGNATURE_ALGORITHMS: Record<string, { hash: Hash; key: 'ec' | 'rsa' | 'ed25519' }> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256', key: 'ec' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', key: 'ec' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', key: 'ec' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', key: 'rsa' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', key: 'rsa' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', key: 'rsa' },
  '1.3.101.112': { hash: null, key: 'ed25519' },
};

export interface CsrProof {
  readonly accepted: AcceptedKey;
  /** The hash of the CSR's signature algorithm: what the allow-list is checked against. */
  readonly hash: Hash;
}

const unparsable = (why: string): SealhouseError => new SealhouseError('invalid_input', `${INVALID_CSR}: ${why}`);

/** The DER inside the PEM text (`-----BEGIN CERTIFICATE REQUEST-----`); a base64 string of that PEM is unwrapped too. */
function csrDer(input: string | Uint8Array): Buffer {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw unparsable('expected PEM text or bytes');
  let text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  if (!text.includes('-----BEGIN')) text = Buffer.from(text.trim(), 'base64').toString('latin1');
  let blocks;
  try {
    blocks = pemBlocks(text, { what: 'CSR', allowNone: true }).filter((b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST');
  } catch {
    throw unparsable('malformed PEM');
  }
  const [block] = blocks;
  if (!block) throw unparsable('no CERTIFICATE REQUEST PEM block found');
  return bufferOf(block.der);
}

export function verifyCsr(input: string | Uint8Array): CsrProof {
  const der = csrDer(input);
  let info: Buffer;
  let spki: Buffer;
  let algorithmOid: string;
  let signature: Buffer;
  try {
    readOne(der, TAG.SEQUENCE, 'CertificationRequest');
    const csr = pkijs.CertificationRequest.fromBER(der);
    info = Buffer.from(csr.tbsView);
    // CertificationRequestInfo ::= SEQUENCE { version, subject, subjectPKInfo, [0] attributes }
    const spkiTlv = children(readOne(info, TAG.SEQUENCE, 'CertificationRequestInfo'), 'CertificationRequestInfo')[2];
    if (!spkiTlv) throw new Error('no subjectPKInfo');
    spki = bufferOf(spkiTlv.raw);
    algorithmOid = csr.signatureAlgorithm.algorithmId;
    signature = Buffer.from(csr.signatureValue.valueBlock.valueHexView);
  } catch {
    throw unparsable('not a DER PKCS#10 request with a readable public key');
  }
  // The key is read from its bytes before any KeyObject exists (a hostile EC key aborts Node).
  const accepted = acceptSpki(Buffer.from(spki));
  const key = accepted.key;
  const alg = SIGNATURE_ALGORITHMS[algorithmOid];
  if (!alg) throw new SealhouseError('invalid_input', `unrecognized signature algorithm: ${algorithmOid}`);
  const keyType = key.asymmetricKeyType;
  let ok = false;
  if (alg.key === keyType) {
    try {
      ok = verify(alg.hash, info, keyType === 'ec' ? { key, dsaEncoding: 'der' } : key, signature);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new SealhouseError('invalid_input', `${INVALID_SIGNATURE}: the CSR self-signature does not verify`);
  return { accepted, hash: alg.hash };
}
