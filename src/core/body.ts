/**
 * Entry bodies decoded per kind (rekor-api.md §2): hashedrekord 0.0.1, dsse 0.0.1, intoto
 * 0.0.1/0.0.2. Keys and certificates inside are base64 of PEM text; each is decoded, and a
 * part that cannot be decoded carries its error instead of breaking the whole view.
 */
import { base64ToBytes, fromUtf8 } from './bytes.js';
import { pemBlocksFromBase64 } from './pem.js';
import { parseSpki, type PublicKeyInfo } from './spki.js';
import { parseCertificate, type Certificate } from './x509.js';

export interface HashRef {
  readonly algorithm: string;
  readonly value: string;
}

export interface Verifier {
  /** The PEM text as logged. */
  readonly pem: string;
  /** Leaf first, then the rest of the chain, if the verifier is a certificate. */
  readonly certificates: Certificate[];
  /** The key: the leaf certificate's, or the bare PUBLIC KEY. */
  readonly publicKey?: PublicKeyInfo;
  readonly error?: string;
}

export interface SignatureRef {
  readonly signature: string;
  readonly verifier: Verifier;
}

export type DecodedBody =
  | { kind: 'hashedrekord'; apiVersion: string; hash?: HashRef; signature: SignatureRef }
  | { kind: 'dsse'; apiVersion: string; envelopeHash?: HashRef; payloadHash?: HashRef; signatures: SignatureRef[] }
  | { kind: 'intoto'; apiVersion: string; payloadType?: string; hash?: HashRef; payloadHash?: HashRef; signatures: SignatureRef[] }
  | { kind: 'other'; apiVersion: string; name: string };

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function hashRef(v: unknown): HashRef | undefined {
  const h = obj(v);
  return typeof h.algorithm === 'string' && typeof h.value === 'string' ? { algorithm: h.algorithm, value: h.value } : undefined;
}

export function decodeVerifier(b64: string): Verifier {
  let pem = '';
  try {
    pem = fromUtf8(base64ToBytes(b64));
    const blocks = pemBlocksFromBase64(b64);
    const certificates = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => parseCertificate(b.der));
    const keyBlock = blocks.find((b) => b.label === 'PUBLIC KEY');
    const publicKey = certificates[0]?.publicKey ?? (keyBlock ? parseSpki(keyBlock.der) : undefined);
    if (!publicKey) return { pem, certificates, error: `no certificate or public key in the PEM (found ${blocks.map((b) => b.label).join(', ')})` };
    return { pem, certificates, publicKey };
  } catch (err) {
    return { pem, certificates: [], error: `could not decode the key or certificate: ${(err as Error).message}` };
  }
}

/** The JSON of a base64 body; throws with a readable message if it is not JSON. */
export function parseBodyJson(bodyB64: string): unknown {
  try {
    return JSON.parse(fromUtf8(base64ToBytes(bodyB64)));
  } catch (err) {
    throw new Error(`the entry body is not base64 JSON: ${(err as Error).message}`);
  }
}

export function decodeBody(json: unknown): DecodedBody {
  const root = obj(json);
  const spec = obj(root.spec);
  const apiVersion = str(root.apiVersion);
  switch (root.kind) {
    case 'hashedrekord': {
      const sig = obj(spec.signature);
      return {
        kind: 'hashedrekord',
        apiVersion,
        hash: hashRef(obj(spec.data).hash),
        signature: { signature: str(sig.content), verifier: decodeVerifier(str(obj(sig.publicKey).content)) },
      };
    }
    case 'dsse':
      return {
        kind: 'dsse',
        apiVersion,
        envelopeHash: hashRef(spec.envelopeHash),
        payloadHash: hashRef(spec.payloadHash),
        signatures: list(spec.signatures).map((s) => ({ signature: str(obj(s).signature), verifier: decodeVerifier(str(obj(s).verifier)) })),
      };
    case 'intoto': {
      const content = obj(spec.content);
      const envelope = obj(content.envelope);
      // 0.0.2 keeps signatures (with keys) in the envelope; 0.0.1 has one top-level publicKey.
      const signatures = apiVersion === '0.0.1'
        ? [{ signature: '', verifier: decodeVerifier(str(spec.publicKey)) }]
        : list(envelope.signatures).map((s) => ({ signature: str(obj(s).sig), verifier: decodeVerifier(str(obj(s).publicKey)) }));
      return {
        kind: 'intoto',
        apiVersion,
        payloadType: typeof envelope.payloadType === 'string' ? envelope.payloadType : undefined,
        hash: hashRef(content.hash),
        payloadHash: hashRef(content.payloadHash),
        signatures,
      };
    }
    default:
      return { kind: 'other', apiVersion, name: str(root.kind) || '(no kind)' };
  }
}
