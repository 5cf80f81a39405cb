/**
 * The trusted root a bundle is verified against (protobuf-specs dev.sigstore.trustroot.v1
 * TrustedRoot, media type application/vnd.dev.sigstore.trustedroot+json;version=0.1;
 * fulcio-and-clients.md §4.1): transparency logs and CT logs by key, certificate and
 * timestamp authorities by certificate chain, each with the interval it may be trusted for.
 *
 * A malformed entry rejects the whole document rather than being skipped: a verifier that
 * quietly drops a log it could not read would report "unknown log" for the wrong reason,
 * and a missing validFor.start must not widen trust to "forever" (conformance case
 * trust-root-tlog-missing-validity-start_fail).
 */
import { toHex } from '../bytes.js';
import type { CoreCrypto } from '../crypto.js';
import { parseCertificate, type Certificate } from '../x509.js';
import { Reader, type Json } from './json.js';

export const TRUSTED_ROOT_MEDIA_TYPES = [
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.1+json',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
] as const;

/** A closed interval (protobuf-specs TimeRange); `end` undefined means still valid. */
export interface Validity {
  readonly start: Date;
  readonly end?: Date;
}

export interface TrustedKeyLog {
  readonly baseUrl: string;
  /** Hex of logId.keyId: SHA-256 of the SPKI for Rekor v1 and CT logs; the note key ID for Rekor v2 Ed25519 logs. */
  readonly logIdHex: string;
  readonly spki: Uint8Array;
  readonly keyDetails: string;
  readonly validFor?: Validity;
}

export interface TrustedAuthority {
  readonly name: string;
  readonly uri: string;
  /** Leaf-most first, as the trusted root lists them; the last is normally the self-signed root. */
  readonly certificates: Certificate[];
  readonly validFor?: Validity;
}

export interface TrustedRoot {
  readonly tlogs: TrustedKeyLog[];
  readonly ctlogs: TrustedKeyLog[];
  readonly certificateAuthorities: TrustedAuthority[];
  readonly timestampAuthorities: TrustedAuthority[];
}

const r = new Reader('trusted-root');

function validity(v: unknown, path: string): Validity | undefined {
  const o = r.optObject(v, path);
  if (!o) return undefined;
  const start = r.time(o.start, `${path}.start`);
  const end = o.end === undefined || o.end === null ? undefined : r.time(o.end, `${path}.end`);
  if (end && end < start) r.fail(path, 'ends before it starts');
  return { start, end };
}

export function withinValidity(v: Validity | undefined, t: Date): boolean {
  if (!v) return true;
  return t.getTime() >= v.start.getTime() && (v.end === undefined || t.getTime() <= v.end.getTime());
}

function keyLog(v: unknown, path: string): TrustedKeyLog {
  const o = r.object(v, path);
  const key = r.object(o.publicKey, `${path}.publicKey`);
  const logId = r.object(o.logId, `${path}.logId`);
  return {
    baseUrl: typeof o.baseUrl === 'string' ? o.baseUrl : '',
    logIdHex: toHex(r.bytes(logId.keyId, `${path}.logId.keyId`)),
    spki: r.bytes(key.rawBytes, `${path}.publicKey.rawBytes`),
    keyDetails: typeof key.keyDetails === 'string' ? key.keyDetails : '',
    validFor: validity(key.validFor, `${path}.publicKey.validFor`),
  };
}

function authority(v: unknown, path: string): TrustedAuthority {
  const o = r.object(v, path);
  const subject = r.optObject(o.subject, `${path}.subject`) ?? {};
  const chain = r.object(o.certChain, `${path}.certChain`);
  const certificates = r.array(chain.certificates, `${path}.certChain.certificates`).map((c, i) => {
    const p = `${path}.certChain.certificates[${i}]`;
    const der = r.bytes(r.object(c, p).rawBytes, `${p}.rawBytes`);
    try {
      return parseCertificate(der);
    } catch (err) {
      return r.fail(p, `not a certificate: ${(err as Error).message}`);
    }
  });
  if (certificates.length === 0) r.fail(`${path}.certChain.certificates`, 'is empty');
  const uri = typeof o.uri === 'string' ? o.uri : '';
  const cn = typeof subject.commonName === 'string' ? subject.commonName : '';
  const org = typeof subject.organization === 'string' ? subject.organization : '';
  return { name: [org, cn].filter(Boolean).join('/') || uri || certificates[0]?.subject || '(unnamed)', uri, certificates, validFor: validity(o.validFor, `${path}.validFor`) };
}

/** Parses and checks a trusted_root.json document (already JSON-parsed). */
export function parseTrustedRoot(doc: unknown): TrustedRoot {
  const o: Json = r.object(doc, 'trusted root');
  const mediaType = r.string(o.mediaType, 'trusted root mediaType');
  if (!(TRUSTED_ROOT_MEDIA_TYPES as readonly string[]).includes(mediaType)) r.fail('trusted root mediaType', `unsupported ${JSON.stringify(mediaType)}`);
  return {
    tlogs: r.optArray(o.tlogs, 'tlogs').map((t, i) => keyLog(t, `tlogs[${i}]`)),
    ctlogs: r.optArray(o.ctlogs, 'ctlogs').map((t, i) => keyLog(t, `ctlogs[${i}]`)),
    certificateAuthorities: r.optArray(o.certificateAuthorities, 'certificateAuthorities').map((a, i) => authority(a, `certificateAuthorities[${i}]`)),
    timestampAuthorities: r.optArray(o.timestampAuthorities, 'timestampAuthorities').map((a, i) => authority(a, `timestampAuthorities[${i}]`)),
  };
}

/** A trusted root given either parsed or as the raw document; parsed once per call site. */
export function asTrustedRoot(v: unknown): TrustedRoot {
  if (v && typeof v === 'object' && (v as { [PARSED]?: true })[PARSED]) return v as TrustedRoot;
  const root = parseTrustedRoot(v);
  Object.defineProperty(root, PARSED, { value: true });
  return root;
}

const PARSED = Symbol('parsed trusted root');

/** Hex SHA-256 of a DER key: the log ID of Rekor v1 and CT logs. */
export const keyIdHex = (crypto: CoreCrypto, spki: Uint8Array): string => toHex(crypto.digest('sha256', spki));
