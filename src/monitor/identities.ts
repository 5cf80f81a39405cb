/**
 * Which watched identities an entry carries. The keys and certificates are taken from the
 * logged body by kind: Rekor v1 hashedrekord, dsse and intoto through src/core/body.ts, and
 * Rekor v2's hashedrekord/dsse 0.0.2 (`verifier.x509Certificate.rawBytes` or
 * `verifier.publicKey.rawBytes`, base64 DER) here. An entry whose body cannot be decoded is not
 * an error for the monitor (the log accepted it; identity matching is best-effort reporting):
 * it simply matches nothing.
 */
import { createHash } from 'node:crypto';
import { decodeBase64 } from '../core/base64.js';
import { decodeBody } from '../core/body.js';
import { parseSpki, type PublicKeyInfo } from '../core/spki.js';
import { parseCertificate, type Certificate } from '../core/x509.js';
import { FULCIO_ARC } from '../core/oids.js';
import type { WatchConfig } from './watch-config.js';

export interface EntryIdentities {
  readonly kind: string;
  readonly certificates: readonly Certificate[];
  /** Bare public keys (not inside a certificate). */
  readonly keys: readonly PublicKeyInfo[];
}

export type IdentityMatch =
  | { readonly match: 'certIdentity'; readonly certSubject: string; readonly issuer?: string; readonly rule: string }
  | { readonly match: 'subject'; readonly subject: string; readonly rule: string }
  | { readonly match: 'fingerprint'; readonly fingerprint: string; readonly of: 'publicKey' | 'certificate' }
  | { readonly match: 'extension'; readonly extension: string; readonly oid: string; readonly value: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const sha256Hex = (der: Uint8Array): string => createHash('sha256').update(der).digest('hex');
/** protojson bytes fields (Rekor v2 bodies): standard or URL-safe base64, padding optional. */
const fromB64 = (s: string): Uint8Array => decodeBase64(s, 'protojson', 'verifier rawBytes');

/** Rekor v2 (0.0.2) verifiers: {x509Certificate: {rawBytes}} or {publicKey: {rawBytes}}. */
function v2Verifiers(spec: Record<string, unknown>, out: { certificates: Certificate[]; keys: PublicKeyInfo[] }): void {
  const inner = [spec.hashedRekordV002, spec.dsseV002].find(isObject);
  if (!inner) return;
  const sigs = Array.isArray(inner.signatures) ? inner.signatures : [inner.signature];
  for (const s of sigs) {
    const verifier = isObject(s) && isObject(s.verifier) ? s.verifier : {};
    try {
      if (isObject(verifier.x509Certificate) && typeof verifier.x509Certificate.rawBytes === 'string') out.certificates.push(parseCertificate(fromB64(verifier.x509Certificate.rawBytes)));
      else if (isObject(verifier.publicKey) && typeof verifier.publicKey.rawBytes === 'string') out.keys.push(parseSpki(fromB64(verifier.publicKey.rawBytes)));
    } catch {
      // An undecodable verifier carries no identity we can report.
    }
  }
}

export function entryIdentities(body: Uint8Array): EntryIdentities {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { kind: '(not JSON)', certificates: [], keys: [] };
  }
  const kind = isObject(json) && typeof json.kind === 'string' ? json.kind : '(no kind)';
  const out = { certificates: [] as Certificate[], keys: [] as PublicKeyInfo[] };
  if (isObject(json) && isObject(json.spec) && (json.spec.hashedRekordV002 !== undefined || json.spec.dsseV002 !== undefined)) {
    v2Verifiers(json.spec, out);
    return { kind, ...out };
  }
  const decoded = decodeBody(json);
  const refs = decoded.kind === 'hashedrekord' ? [decoded.signature] : decoded.kind === 'other' ? [] : decoded.signatures;
  for (const ref of refs) {
    const leaf = ref.verifier.certificates[0];
    if (leaf) out.certificates.push(leaf);
    else if (ref.verifier.publicKey) out.keys.push(ref.verifier.publicKey);
  }
  return { kind, ...out };
}

/** The OIDC issuer a Fulcio certificate names: the v2 extension (.8), else the deprecated .1. */
export function certificateIssuer(cert: Certificate): string | undefined {
  return (cert.fulcio.find((f) => f.arc === 8) ?? cert.fulcio.find((f) => f.arc === 1))?.value;
}

export function matchIdentities(ids: EntryIdentities, config: WatchConfig): IdentityMatch[] {
  const out: IdentityMatch[] = [];
  for (const cert of ids.certificates) {
    const sans = cert.san.map((s) => s.value);
    const issuer = certificateIssuer(cert);
    for (const rule of config.certIdentities) {
      const san = sans.find((v) => rule.certSubject.test(v));
      if (san === undefined) continue;
      if (rule.issuers.length > 0 && (issuer === undefined || !rule.issuers.some((r) => r.test(issuer)))) continue;
      out.push({ match: 'certIdentity', certSubject: san, ...(issuer !== undefined ? { issuer } : {}), rule: rule.certSubject.source });
    }
    for (const rule of config.subjects) {
      const san = sans.find((v) => rule.test(v));
      if (san !== undefined) out.push({ match: 'subject', subject: san, rule: rule.source });
    }
    const certPrint = sha256Hex(cert.der);
    const keyPrint = sha256Hex(cert.publicKey.der);
    if (config.fingerprints.includes(certPrint)) out.push({ match: 'fingerprint', fingerprint: certPrint, of: 'certificate' });
    if (config.fingerprints.includes(keyPrint)) out.push({ match: 'fingerprint', fingerprint: keyPrint, of: 'publicKey' });
    for (const watch of config.extensions) {
      for (const f of cert.fulcio) {
        if (watch.oids.includes(f.oid) && watch.values.includes(f.value)) out.push({ match: 'extension', extension: watch.name, oid: f.oid, value: f.value });
      }
      // OIDs outside the Fulcio arc are not decoded by the certificate view; compare the display text.
      for (const e of cert.extensions) {
        if (!e.oid.startsWith(FULCIO_ARC) && watch.oids.includes(e.oid) && watch.values.includes(e.display)) out.push({ match: 'extension', extension: watch.name, oid: e.oid, value: e.display });
      }
    }
  }
  for (const key of ids.keys) {
    const print = sha256Hex(key.der);
    if (config.fingerprints.includes(print)) out.push({ match: 'fingerprint', fingerprint: print, of: 'publicKey' });
  }
  return out;
}
