/**
 * Embedded SCTs (RFC 6962 §3.2–3.3) checked as sigstore clients check them
 * (fulcio-and-clients.md §3.3): the log signed the precertificate entry
 *
 *   u8 version(0) | u8 signature_type(0 = certificate_timestamp) | u64 timestamp |
 *   u16 entry_type(1 = precert_entry) | issuer_key_hash[32] | u24 len | TBS' | u16 extLen | ext
 *
 * where TBS' is the leaf's tbsCertificate re-encoded without the SCT-list extension and
 * issuer_key_hash is SHA-256 of the issuing CA's SubjectPublicKeyInfo. The log is found in the
 * trusted root's `ctlogs` by log ID, and its key must have been valid at the SCT's time.
 */
import { concatBytes, toHex } from '../bytes.js';
import type { CoreCrypto, HashAlgorithm } from '../crypto.js';
import { readOne, TAG } from '../der.js';
import { OID } from '../oids.js';
import { BundleVerificationError } from './errors.js';
import { tbsWithoutExtension } from '../x509-raw.js';
import { viewCertificate } from './cert.js';
import { asTrustedRoot, withinValidity } from './trusted-root.js';

export interface SignedSct {
  readonly logId: Uint8Array;
  readonly timestamp: number;
  readonly extensions: Uint8Array;
  readonly hash: HashAlgorithm | undefined;
  readonly signature: Uint8Array;
}

const TLS_HASHES: Readonly<Record<number, HashAlgorithm>> = { 4: 'sha256', 5: 'sha384', 6: 'sha512' };

/** The full SCTs of a SignedCertificateTimestampList (the display decoder keeps only ID and time). */
export function parseSctList(extnValue: Uint8Array): SignedSct[] {
  const tls = readOne(extnValue, TAG.OCTET_STRING, 'SCT list').value;
  let at = 0;
  const take = (n: number): Uint8Array => {
    if (at + n > tls.length) throw new BundleVerificationError('sct', 'the SCT list is truncated');
    const out = tls.subarray(at, at + n);
    at += n;
    return out;
  };
  const u = (n: number): number => take(n).reduce((acc, b) => acc * 256 + b, 0);
  const total = u(2);
  if (total !== tls.length - 2) throw new BundleVerificationError('sct', 'the SCT list length does not match its contents');
  const out: SignedSct[] = [];
  while (at < tls.length) {
    const length = u(2);
    const start = at;
    const end = at + length;
    if (u(1) !== 0) throw new BundleVerificationError('sct', 'an SCT is not version 1');
    const logId = take(32);
    const timestamp = u(8);
    const extensions = take(u(2));
    const hashByte = u(1);
    u(1); // signature algorithm: implied by the log's key
    const signature = take(u(2));
    if (at !== end) throw new BundleVerificationError('sct', `an SCT's length does not match its contents (${at - start} of ${end - start})`);
    out.push({ logId, timestamp, extensions, hash: TLS_HASHES[hashByte], signature });
  }
  return out;
}

const u64 = (n: number): Uint8Array => {
  const out = new Uint8Array(8);
  for (let i = 7, v = n; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
};

/**
 * Every embedded SCT of `leafDer` that verifies against a `ctlogs` key, with its log and time.
 * Throws 'sct' when the leaf has no SCT, or an SCT from a trusted log does not verify.
 * SCTs from logs the trusted root does not list are ignored; at least one must verify.
 */
export function verifySctsForLeaf(leafDer: Uint8Array, issuerDer: Uint8Array, trustedRoot: unknown, crypto: CoreCrypto): { logIdHex: string; time: Date }[] {
  const root = asTrustedRoot(trustedRoot);
  const leaf = viewCertificate(leafDer);
  const ext = leaf.raw.extensions.find((e) => e.oid === OID.sctList);
  if (!ext) throw new BundleVerificationError('sct', 'the certificate carries no embedded SCT');
  const scts = parseSctList(ext.value);
  const issuerKeyHash = crypto.digest('sha256', viewCertificate(issuerDer).raw.spki);
  // The precertificate's TBS: the leaf's, minus the SCT list it could not yet contain.
  const tbs = tbsWithoutExtension(leaf.raw.tbs, OID.sctList);
  const len24 = new Uint8Array([(tbs.length >> 16) & 0xff, (tbs.length >> 8) & 0xff, tbs.length & 0xff]);
  const verified: { logIdHex: string; time: Date }[] = [];
  const problems: string[] = [];
  for (const sct of scts) {
    const logIdHex = toHex(sct.logId);
    const time = new Date(sct.timestamp);
    const logs = root.ctlogs.filter((l) => l.logIdHex === logIdHex);
    if (logs.length === 0) {
      problems.push(`SCT from unknown log ${logIdHex}`);
      continue;
    }
    const signed = concatBytes(
      new Uint8Array([0, 0]),
      u64(sct.timestamp),
      new Uint8Array([0, 1]),
      issuerKeyHash,
      len24,
      tbs,
      new Uint8Array([(sct.extensions.length >> 8) & 0xff, sct.extensions.length & 0xff]),
      sct.extensions,
    );
    const ok = logs.some((l) => withinValidity(l.validFor, time) && sct.hash !== undefined && crypto.verify({ spki: l.spki, hash: sct.hash, signature: sct.signature, data: signed }));
    if (!ok) throw new BundleVerificationError('sct', `the SCT from CT log ${logIdHex} at ${time.toISOString()} does not verify with the trusted log key${logs.every((l) => !withinValidity(l.validFor, time)) ? ' (the key was not valid at that time)' : ''}`);
    verified.push({ logIdHex, time });
  }
  if (verified.length === 0) throw new BundleVerificationError('sct', `no SCT verifies against the trusted root's CT logs (${problems.join('; ') || 'none embedded'})`);
  return verified;
}
