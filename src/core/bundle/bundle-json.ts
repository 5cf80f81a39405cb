/**
 * The sigstore bundle (protobuf-specs dev.sigstore.bundle.v1.Bundle, protojson;
 * fulcio-and-clients.md §5.1) read into typed parts, with the rules that differ between media
 * types enforced here, once:
 *
 * - v0.1: every tlog entry needs an inclusion promise (SET); an inclusion proof is optional;
 * - v0.2 and later: every tlog entry needs an inclusion proof with a checkpoint;
 * - v0.3: the signer is a single `certificate` (or a public key hint), not `x509CertificateChain`;
 * - a DSSE envelope carries exactly one signature;
 * - anything else, including an unknown media type, is refused with the reason.
 */
import { toHex } from '../bytes.js';
import type { HashAlgorithm } from '../crypto.js';
import { BundleVerificationError } from './errors.js';
import { Reader } from './json.js';

export type BundleVersion = '0.1' | '0.2' | '0.3';

const MEDIA_TYPES: Readonly<Record<string, BundleVersion>> = {
  'application/vnd.dev.sigstore.bundle+json;version=0.1': '0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2': '0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3': '0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json': '0.3',
};

export interface TlogEntry {
  readonly logIndex: number;
  readonly logIdHex: string;
  readonly kind: string;
  readonly version: string;
  readonly integratedTime: number;
  readonly set?: Uint8Array;
  readonly proof?: { logIndex: number; treeSize: number; rootHash?: Uint8Array; hashes: Uint8Array[]; checkpoint?: string };
  readonly body: Uint8Array;
}

export type Signer = { kind: 'certificate'; leafDer: Uint8Array } | { kind: 'key'; hint: string };

export type Content =
  | { kind: 'message'; digest?: { algorithm: HashAlgorithm; value: Uint8Array }; signature: Uint8Array }
  | { kind: 'dsse'; payload: Uint8Array; payloadB64: string; payloadType: string; signature: Uint8Array; signatureB64: string };

export interface ParsedBundle {
  readonly version: BundleVersion;
  readonly signer: Signer;
  readonly tlogEntries: TlogEntry[];
  readonly rfc3161: Uint8Array[];
  readonly content: Content;
}

const r = new Reader('bundle-format');

/** Bounds on repeated material, so a hostile bundle cannot make verification arbitrarily slow (sigstore-python refuses more than 32 timestamps). */
const MAX_TLOG_ENTRIES = 32;
const MAX_TIMESTAMPS = 32;

export const PROTO_HASHES: Readonly<Record<string, HashAlgorithm>> = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' };

/** One TransparencyLogEntry under the rules of `version` (also used by `sealhouse verify-entry`). */
export function parseTlogEntry(v: unknown, path: string, version: BundleVersion): TlogEntry {
  const o = r.object(v, path);
  const kv = r.object(o.kindVersion, `${path}.kindVersion`);
  const promise = r.optObject(o.inclusionPromise, `${path}.inclusionPromise`);
  const proof = r.optObject(o.inclusionProof, `${path}.inclusionProof`);
  if (version === '0.1' && !promise) throw new BundleVerificationError('tlog-missing', `${path}: a v0.1 bundle needs an inclusion promise (SET) on every log entry`);
  if (version !== '0.1' && !proof) throw new BundleVerificationError('tlog-missing', `${path}: a v${version} bundle needs an inclusion proof on every log entry`);
  const cp = proof ? r.optObject(proof.checkpoint, `${path}.inclusionProof.checkpoint`) : undefined;
  if (version !== '0.1' && !cp) throw new BundleVerificationError('tlog-missing', `${path}: a v${version} bundle needs a checkpoint in every inclusion proof`);
  return {
    // protojson omits zero-valued fields: the first entry of a log has no logIndex member.
    logIndex: r.int(o.logIndex, `${path}.logIndex`, 0),
    logIdHex: toHex(r.bytes(r.object(o.logId, `${path}.logId`).keyId, `${path}.logId.keyId`)),
    kind: r.string(kv.kind, `${path}.kindVersion.kind`),
    version: r.string(kv.version, `${path}.kindVersion.version`),
    integratedTime: r.int(o.integratedTime, `${path}.integratedTime`, 0),
    set: promise ? r.bytes(promise.signedEntryTimestamp, `${path}.inclusionPromise.signedEntryTimestamp`) : undefined,
    proof: proof
      ? {
          logIndex: r.int(proof.logIndex, `${path}.inclusionProof.logIndex`, 0),
          treeSize: r.int(proof.treeSize, `${path}.inclusionProof.treeSize`, 0),
          rootHash: proof.rootHash === undefined ? undefined : r.bytes(proof.rootHash, `${path}.inclusionProof.rootHash`),
          hashes: r.optArray(proof.hashes, `${path}.inclusionProof.hashes`).map((h, i) => r.bytes(h, `${path}.inclusionProof.hashes[${i}]`)),
          checkpoint: cp ? r.string(cp.envelope, `${path}.inclusionProof.checkpoint.envelope`) : undefined,
        }
      : undefined,
    body: r.bytes(o.canonicalizedBody, `${path}.canonicalizedBody`),
  };
}

function signer(vm: Record<string, unknown>, version: BundleVersion): Signer {
  const present = ['publicKey', 'x509CertificateChain', 'certificate'].filter((k) => vm[k] !== undefined && vm[k] !== null);
  if (present.length !== 1) r.fail('verificationMaterial', present.length === 0 ? 'has no certificate, certificate chain or public key' : `has more than one signer (${present.join(', ')})`);
  if (vm.publicKey !== undefined) {
    const pk = r.object(vm.publicKey, 'verificationMaterial.publicKey');
    return { kind: 'key', hint: typeof pk.hint === 'string' ? pk.hint : '' };
  }
  if (vm.certificate !== undefined) {
    return { kind: 'certificate', leafDer: r.bytes(r.object(vm.certificate, 'verificationMaterial.certificate').rawBytes, 'verificationMaterial.certificate.rawBytes') };
  }
  if (version === '0.3') r.fail('verificationMaterial.x509CertificateChain', 'a v0.3 bundle carries a single "certificate", not a chain');
  const chain = r.optArray(r.object(vm.x509CertificateChain, 'verificationMaterial.x509CertificateChain').certificates, 'verificationMaterial.x509CertificateChain.certificates');
  if (chain.length === 0) r.fail('verificationMaterial.x509CertificateChain.certificates', 'is empty');
  const ders = chain.map((c, i) => r.bytes(r.object(c, `x509CertificateChain.certificates[${i}]`).rawBytes, `x509CertificateChain.certificates[${i}].rawBytes`));
  // Only the leaf is used: intermediates come from the trusted root, never from the bundle.
  return { kind: 'certificate', leafDer: ders[0] as Uint8Array, ...(ders.length > 1 ? { extra: ders.slice(1) } : {}) };
}

function content(o: Record<string, unknown>): Content {
  const hasMessage = o.messageSignature !== undefined && o.messageSignature !== null;
  const hasDsse = o.dsseEnvelope !== undefined && o.dsseEnvelope !== null;
  if (hasMessage === hasDsse) r.fail('bundle', hasMessage ? 'has both a message signature and a DSSE envelope' : 'has neither a message signature nor a DSSE envelope');
  if (hasMessage) {
    const m = r.object(o.messageSignature, 'messageSignature');
    const md = r.optObject(m.messageDigest, 'messageSignature.messageDigest');
    let digest: { algorithm: HashAlgorithm; value: Uint8Array } | undefined;
    if (md) {
      const name = r.string(md.algorithm, 'messageSignature.messageDigest.algorithm');
      const algorithm = PROTO_HASHES[name] ?? r.fail('messageSignature.messageDigest.algorithm', `unsupported ${JSON.stringify(name)}`);
      digest = { algorithm, value: r.bytes(md.digest, 'messageSignature.messageDigest.digest') };
    }
    return { kind: 'message', digest, signature: r.bytes(m.signature, 'messageSignature.signature') };
  }
  const e = r.object(o.dsseEnvelope, 'dsseEnvelope');
  const sigs = r.array(e.signatures, 'dsseEnvelope.signatures');
  if (sigs.length !== 1) r.fail('dsseEnvelope.signatures', `a bundle's DSSE envelope carries exactly one signature, not ${sigs.length}`);
  const sig = r.object(sigs[0], 'dsseEnvelope.signatures[0]');
  const payloadB64 = r.string(e.payload, 'dsseEnvelope.payload');
  const signatureB64 = r.string(sig.sig, 'dsseEnvelope.signatures[0].sig');
  return { kind: 'dsse', payload: r.bytes(payloadB64, 'dsseEnvelope.payload'), payloadB64, payloadType: r.string(e.payloadType, 'dsseEnvelope.payloadType'), signature: r.bytes(signatureB64, 'dsseEnvelope.signatures[0].sig'), signatureB64 };
}

export function parseBundle(doc: unknown): ParsedBundle & { extraCertificates: Uint8Array[] } {
  const o = r.object(doc, 'bundle');
  const mediaType = r.string(o.mediaType, 'bundle.mediaType');
  const version = MEDIA_TYPES[mediaType];
  if (!version) throw new BundleVerificationError('media-type', `unknown bundle media type ${JSON.stringify(mediaType.slice(0, 100))} (known: ${Object.keys(MEDIA_TYPES).join(', ')})`);
  const vm = r.object(o.verificationMaterial, 'verificationMaterial');
  const s = signer(vm, version) as Signer & { extra?: Uint8Array[] };
  const entries = r.optArray(vm.tlogEntries, 'verificationMaterial.tlogEntries');
  if (entries.length > MAX_TLOG_ENTRIES) r.fail('verificationMaterial.tlogEntries', `${entries.length} entries, more than the ${MAX_TLOG_ENTRIES} a bundle may carry`);
  const tlogEntries = entries.map((t, i) => parseTlogEntry(t, `verificationMaterial.tlogEntries[${i}]`, version));
  const tvd = r.optObject(vm.timestampVerificationData, 'verificationMaterial.timestampVerificationData');
  const tokens = r.optArray(tvd?.rfc3161Timestamps, 'timestampVerificationData.rfc3161Timestamps');
  if (tokens.length > MAX_TIMESTAMPS) r.fail('timestampVerificationData.rfc3161Timestamps', `${tokens.length} timestamps, more than the ${MAX_TIMESTAMPS} a bundle may carry`);
  const rfc3161 = tokens.map((t, i) => r.bytes(r.object(t, `rfc3161Timestamps[${i}]`).signedTimestamp, `rfc3161Timestamps[${i}].signedTimestamp`));
  const { extra, ...signerOnly } = s as { extra?: Uint8Array[] } & Signer;
  return { version, signer: signerOnly as Signer, tlogEntries, rfc3161, content: content(o), extraCertificates: extra ?? [] };
}
