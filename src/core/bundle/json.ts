/**
 * Reading protojson (the JSON form of the sigstore protobuf messages: bundles and trusted
 * roots) defensively: every accessor names the field path in its error, so a malformed
 * document fails with "verificationMaterial.tlogEntries[0].logIndex: …" instead of a crash.
 */
import { base64ToBytes } from '../bytes.js';
import { BundleVerificationError, type BundleFailure } from './errors.js';

export type Json = Record<string, unknown>;

export class Reader {
  constructor(readonly code: BundleFailure) {}

  fail(path: string, message: string): never {
    throw new BundleVerificationError(this.code, `${path}: ${message}`);
  }

  object(v: unknown, path: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'expected an object');
    return v as Json;
  }

  optObject(v: unknown, path: string): Json | undefined {
    return v === undefined || v === null ? undefined : this.object(v, path);
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'expected a list');
    return v;
  }

  /** protojson omits empty repeated fields, so a missing list is an empty one. */
  optArray(v: unknown, path: string): unknown[] {
    return v === undefined || v === null ? [] : this.array(v, path);
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, v === undefined ? 'missing' : 'expected a string');
    return v;
  }

  /**
   * protojson bytes: standard base64, padded. As protojson decoders accept, the URL-safe
   * alphabet and line breaks (Go's decoder skips CR and LF: `base64` output wraps at 76) are
   * read too; anything else is refused.
   */
  bytes(v: unknown, path: string): Uint8Array {
    const s = this.string(v, path).replace(/\r?\n/g, '');
    try {
      return base64ToBytes(s.replace(/-/g, '+').replace(/_/g, '/'));
    } catch {
      return this.fail(path, 'not base64');
    }
  }

  /** protojson int64: a decimal string (or a number); must be a non-negative safe integer. */
  int(v: unknown, path: string, dflt?: number): number {
    if (v === undefined && dflt !== undefined) return dflt;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
    if (!Number.isSafeInteger(n)) this.fail(path, v === undefined ? 'missing' : `not an integer: ${JSON.stringify(v)}`);
    if (n < 0) this.fail(path, `must not be negative: ${n}`);
    return n;
  }

  /** RFC 3339 timestamp (google.protobuf.Timestamp in protojson). */
  time(v: unknown, path: string): Date {
    const s = this.string(v, path);
    const d = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i.test(s) ? new Date(s) : new Date(NaN);
    if (Number.isNaN(d.getTime())) this.fail(path, `not an RFC 3339 time: ${JSON.stringify(s)}`);
    return d;
  }
}
