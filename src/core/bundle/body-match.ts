/**
 * The logged body must describe this bundle (fulcio-and-clients.md §5.2 step 3, sigstore-2026.md
 * §3): its kind and version are the entry's kindVersion, and it records the same digest (or
 * DSSE payload hash), the same signature and the same signer as the bundle. A log entry for a
 * different artifact, signature or key proves nothing about this one.
 *
 *   hashedrekord 0.0.1  spec.data.hash {algorithm, hex}, spec.signature.content, publicKey.content (b64 PEM)
 *   hashedrekord 0.0.2  spec.hashedRekordV002.data {SHA2_*, b64}, .signature {content, verifier{x509Certificate|publicKey}}
 *                       (for a DSSE bundle: the digest of PAE(payloadType, payload))
 *   dsse 0.0.1          spec.payloadHash {algorithm, hex}, spec.signatures[{signature, verifier (b64 PEM)}]
 *   dsse 0.0.2          spec.dsseV002.payloadHash {SHA2_*, b64}, .signatures[{content, verifier}]
 *   intoto 0.0.2        spec.content.envelope {payloadType, signatures[{sig: b64 of the b64 sig, publicKey}]},
 *                       spec.content.payloadHash {algorithm, hex}
 */
import { base64ToBytes, equalBytes, fromUtf8, hexToBytes } from '../bytes.js';
import type { CoreCrypto, HashAlgorithm } from '../crypto.js';
import { pemBlocksFromBase64 } from '../pem.js';
import { readCertificate } from '../x509-raw.js';
import type { Content, TlogEntry } from './bundle-json.js';
import { PROTO_HASHES } from './bundle-json.js';
import { BundleVerificationError, need } from './errors.js';
import { Reader } from './json.js';

export interface SignerKeys {
  /** The leaf certificate, for certificate bundles. */
  readonly certificateDer?: Uint8Array;
  readonly spki: Uint8Array;
}

export interface Digest {
  readonly algorithm: HashAlgorithm;
  readonly value: Uint8Array;
}

const r = new Reader('body-mismatch');
const SUPPORTED = ['hashedrekord/0.0.1', 'hashedrekord/0.0.2', 'dsse/0.0.1', 'dsse/0.0.2', 'intoto/0.0.2'];

/** DSSE pre-authentication encoding (DSSE v1 protocol): what an envelope signature signs. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = new TextEncoder().encode(payloadType);
  const head = new TextEncoder().encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/**
 * A logged certificate names the signer when it is the bundle's certificate; for a key-signed
 * bundle, when its key is the given key (the log recorded that key, wrapped in a certificate).
 */
function loggedCertificateIsSigner(der: Uint8Array, keys: SignerKeys): boolean {
  if (keys.certificateDer !== undefined) return equalBytes(der, keys.certificateDer);
  try {
    return equalBytes(readCertificate(der).spki, keys.spki);
  } catch {
    return false;
  }
}

function pemSigner(b64: string, keys: SignerKeys, path: string): void {
  let first;
  try {
    first = pemBlocksFromBase64(b64)[0];
  } catch (err) {
    return r.fail(path, `not a PEM certificate or key: ${(err as Error).message}`);
  }
  const same = first?.label === 'CERTIFICATE' ? loggedCertificateIsSigner(first.der, keys) : first?.label === 'PUBLIC KEY' && equalBytes(first.der, keys.spki);
  need(same, 'body-mismatch', `${path}: the logged ${first?.label.toLowerCase() ?? 'signer'} is not the bundle's signer`);
}

function rawSigner(v: unknown, keys: SignerKeys, path: string): void {
  const o = r.object(v, path);
  if (o.x509Certificate !== undefined) {
    const der = r.bytes(r.object(o.x509Certificate, `${path}.x509Certificate`).rawBytes, `${path}.x509Certificate.rawBytes`);
    need(loggedCertificateIsSigner(der, keys), 'body-mismatch', `${path}: the logged certificate is not the bundle's signer`);
  } else {
    const der = r.bytes(r.object(o.publicKey, `${path}.publicKey`).rawBytes, `${path}.publicKey.rawBytes`);
    need(equalBytes(der, keys.spki), 'body-mismatch', `${path}: the logged public key is not the bundle's signer`);
  }
}

function hexDigest(v: unknown, path: string): Digest {
  const o = r.object(v, path);
  const algorithm = r.string(o.algorithm, `${path}.algorithm`) as HashAlgorithm;
  if (!['sha256', 'sha384', 'sha512'].includes(algorithm)) r.fail(`${path}.algorithm`, `unsupported ${JSON.stringify(algorithm)}`);
  try {
    return { algorithm, value: hexToBytes(r.string(o.value, `${path}.value`)) };
  } catch {
    return r.fail(`${path}.value`, 'not hex');
  }
}

function protoDigest(v: unknown, path: string): Digest {
  const o = r.object(v, path);
  const name = r.string(o.algorithm, `${path}.algorithm`);
  const algorithm = PROTO_HASHES[name] ?? r.fail(`${path}.algorithm`, `unsupported ${JSON.stringify(name)}`);
  return { algorithm, value: r.bytes(o.digest, `${path}.digest`) };
}

function sameDigest(logged: Digest, expected: Digest, what: string): void {
  need(logged.algorithm === expected.algorithm && equalBytes(logged.value, expected.value), 'body-mismatch', `the logged ${what} is not the bundle's`);
}

function oneSignature(list: unknown[], path: string, matches: (s: unknown, i: number) => boolean): void {
  need(list.length === 1, 'body-mismatch', `${path}: the logged envelope has ${list.length} signatures, the bundle's has 1`);
  need(matches(list[0], 0), 'body-mismatch', `${path}[0]: the logged signature is not the bundle's`);
}

/**
 * Throws 'body-mismatch' unless `entry`'s body records `content`, signed by `keys`.
 * `artifactDigest` is the digest a message signature covers (already checked to be the
 * artifact's); for DSSE content it is unused.
 */
export function checkBody(crypto: CoreCrypto, entry: TlogEntry, content: Content, keys: SignerKeys, messageHash: HashAlgorithm, artifactDigest?: Digest): string {
  const kv = `${entry.kind}/${entry.version}`;
  need(SUPPORTED.includes(kv), 'body-mismatch', `log entries of kind ${kv} are not supported (supported: ${SUPPORTED.join(', ')})`);
  let doc: Record<string, unknown>;
  try {
    doc = r.object(JSON.parse(fromUtf8(entry.body)), 'canonicalizedBody');
  } catch (err) {
    if (err instanceof BundleVerificationError) throw err;
    return r.fail('canonicalizedBody', 'not UTF-8 JSON');
  }
  need(doc.kind === entry.kind && doc.apiVersion === entry.version, 'body-mismatch', `the body is ${String(doc.kind)}/${String(doc.apiVersion)}, the entry says ${kv}`);
  const spec = r.object(doc.spec, 'spec');
  const b64 = (s: unknown): Uint8Array | undefined => {
    try {
      return typeof s === 'string' ? base64ToBytes(s) : undefined;
    } catch {
      return undefined;
    }
  };
  const sigEq = (s: unknown, want: Uint8Array): boolean => {
    const got = b64(s);
    return got !== undefined && equalBytes(got, want);
  };

  if (entry.kind === 'hashedrekord') {
    const signedDigest = content.kind === 'message' ? artifactDigest : { algorithm: messageHash, value: crypto.digest(messageHash, pae(content.payloadType, content.payload)) };
    need(signedDigest !== undefined, 'body-mismatch', 'no digest to compare the logged hash with');
    if (entry.version === '0.0.1') {
      need(content.kind === 'message', 'body-mismatch', 'a hashedrekord 0.0.1 entry cannot record a DSSE envelope');
      sameDigest(hexDigest(r.object(spec.data, 'spec.data').hash, 'spec.data.hash'), signedDigest, 'artifact digest');
      const sig = r.object(spec.signature, 'spec.signature');
      need(sigEq(sig.content, content.signature), 'body-mismatch', 'the logged signature is not the bundle\'s');
      pemSigner(r.string(r.object(sig.publicKey, 'spec.signature.publicKey').content, 'spec.signature.publicKey.content'), keys, 'spec.signature.publicKey');
    } else {
      const v2 = r.object(spec.hashedRekordV002, 'spec.hashedRekordV002');
      sameDigest(protoDigest(v2.data, 'spec.hashedRekordV002.data'), signedDigest, content.kind === 'message' ? 'artifact digest' : 'digest of the DSSE envelope');
      const sig = r.object(v2.signature, 'spec.hashedRekordV002.signature');
      need(sigEq(sig.content, content.signature), 'body-mismatch', 'the logged signature is not the bundle\'s');
      rawSigner(sig.verifier, keys, 'spec.hashedRekordV002.signature.verifier');
    }
    return `the log recorded this ${content.kind === 'message' ? 'artifact digest' : 'envelope'}, signature and signer (${kv})`;
  }

  need(content.kind === 'dsse', 'body-mismatch', `a ${kv} entry records a DSSE envelope, the bundle has a message signature`);
  const payloadDigest = (algorithm: HashAlgorithm): Digest => ({ algorithm, value: crypto.digest(algorithm, content.payload) });
  if (entry.kind === 'dsse' && entry.version === '0.0.1') {
    const logged = hexDigest(spec.payloadHash, 'spec.payloadHash');
    sameDigest(logged, payloadDigest(logged.algorithm), 'DSSE payload hash');
    oneSignature(r.array(spec.signatures, 'spec.signatures'), 'spec.signatures', (s) => {
      const o = r.object(s, 'spec.signatures[0]');
      if (!sigEq(o.signature, content.signature)) return false;
      pemSigner(r.string(o.verifier, 'spec.signatures[0].verifier'), keys, 'spec.signatures[0].verifier');
      return true;
    });
  } else if (entry.kind === 'dsse') {
    const v2 = r.object(spec.dsseV002, 'spec.dsseV002');
    const logged = protoDigest(v2.payloadHash, 'spec.dsseV002.payloadHash');
    sameDigest(logged, payloadDigest(logged.algorithm), 'DSSE payload hash');
    oneSignature(r.array(v2.signatures, 'spec.dsseV002.signatures'), 'spec.dsseV002.signatures', (s) => {
      const o = r.object(s, 'spec.dsseV002.signatures[0]');
      if (!sigEq(o.content, content.signature)) return false;
      rawSigner(o.verifier, keys, 'spec.dsseV002.signatures[0].verifier');
      return true;
    });
  } else {
    const c = r.object(spec.content, 'spec.content');
    const env = r.object(c.envelope, 'spec.content.envelope');
    need(env.payloadType === content.payloadType, 'body-mismatch', `the logged payload type ${JSON.stringify(env.payloadType)} is not the bundle's ${JSON.stringify(content.payloadType)}`);
    const logged = hexDigest(c.payloadHash, 'spec.content.payloadHash');
    sameDigest(logged, payloadDigest(logged.algorithm), 'DSSE payload hash');
    oneSignature(r.array(env.signatures, 'spec.content.envelope.signatures'), 'spec.content.envelope.signatures', (s) => {
      const o = r.object(s, 'spec.content.envelope.signatures[0]');
      // intoto 0.0.2 stores the envelope's base64 signature base64-encoded again.
      const inner = b64(o.sig);
      let text: string | undefined;
      try {
        text = inner ? fromUtf8(inner) : undefined;
      } catch {
        text = undefined;
      }
      if (text === undefined || !sigEq(text, content.signature)) return false;
      pemSigner(r.string(o.publicKey, 'spec.content.envelope.signatures[0].publicKey'), keys, 'spec.content.envelope.signatures[0].publicKey');
      return true;
    });
  }
  return `the log recorded this DSSE payload, signature and signer (${kv})`;
}
