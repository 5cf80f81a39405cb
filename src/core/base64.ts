/**
 * The one base64 decoder (RFC 4648), with a named policy per place that reads base64, because
 * the specs we follow disagree on what is acceptable and "accepted here" must equal "accepted
 * by the reference implementation" (Go's encoding/base64 for Rekor and Fulcio):
 *
 *   standard      §4 alphabet, padded, nothing else (trusted-root bytes, CT add-chain, SETs)
 *   canonical     standard, and the unused bits of the last group are zero, so every byte string
 *                 has exactly one spelling (C2SP signed notes and checkpoints)
 *   go-std        Go's StdEncoding: standard, but CR and LF anywhere are ignored (Rekor `format: byte`)
 *   unpadded      §4 alphabet, no padding (Go's RawStdEncoding)
 *   url-unpadded  §5 alphabet, no padding (JWT, RFC 7515 §2)
 *   pem           a PEM body (RFC 7468 §3): standard, non-empty, spaces/tabs/CR/LF ignored
 *   dsse          standard padded, else §5 with optional padding (go-securesystemslib's decoder)
 *   protojson     §4 or §5 (not mixed), padded or not (protojson `bytes`, Fulcio's proof of possession)
 *
 * No Buffer, no atob: Buffer.from(s, 'base64') silently skips bad characters, and the core runs
 * in the browser too.
 * https://www.rfc-editor.org/rfc/rfc4648 · https://pkg.go.dev/encoding/base64
 */
import { CoreError } from './errors.js';

export type Base64Policy = 'standard' | 'canonical' | 'go-std' | 'unpadded' | 'url-unpadded' | 'pem' | 'dsse' | 'protojson';

export class Base64Error extends CoreError {
  constructor(message: string) {
    super('invalid_input', message);
    this.name = 'Base64Error';
  }
}

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function table(alphabet: string): Int8Array {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
}
const STD_TABLE = table(STD);
const URL_TABLE = table(URL);

type Padding = 'required' | 'optional' | 'forbidden';

/** Decodes or returns the reason it cannot. */
function decode(text: string, url: boolean, padding: Padding, canonical: boolean): Uint8Array | string {
  const t = url ? URL_TABLE : STD_TABLE;
  let end = text.length;
  let pad = 0;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d && pad < 2) {
    end--;
    pad++;
  }
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || t[c] === -1) {
      return c === 0x3d ? `misplaced padding at offset ${i}` : `illegal character ${JSON.stringify(text[i])} at offset ${i}`;
    }
  }
  if (pad > 0 && padding === 'forbidden') return 'padding is not allowed here';
  const rem = end % 4;
  if (rem === 1) return `length ${text.length} is not possible for base64`;
  if (padding === 'required' && text.length % 4 !== 0) return `length ${text.length} is not a multiple of 4 (missing padding?)`;
  if (pad > 0 && (rem === 0 || rem + pad !== 4)) return 'misplaced padding';
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 4 <= end; i += 4) {
    const n = ((t[text.charCodeAt(i)] as number) << 18) | ((t[text.charCodeAt(i + 1)] as number) << 12) | ((t[text.charCodeAt(i + 2)] as number) << 6) | (t[text.charCodeAt(i + 3)] as number);
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (rem > 0) {
    const a = t[text.charCodeAt(i)] as number;
    const b = t[text.charCodeAt(i + 1)] as number;
    const c = rem === 3 ? (t[text.charCodeAt(i + 2)] as number) : 0;
    out[o++] = (a << 2) | (b >> 4);
    if (rem === 3) out[o++] = ((b & 0x0f) << 4) | (c >> 2);
    const leftover = rem === 2 ? b & 0x0f : c & 0x03;
    if (canonical && leftover !== 0) return 'the last character carries non-zero unused bits (not the canonical spelling)';
  }
  return out;
}

const stripped = (text: string, chars: RegExp): string => (chars.test(text) ? text.replace(chars, '') : text);

function attempt(text: string, policy: Base64Policy): Uint8Array | string {
  switch (policy) {
    case 'standard':
      return decode(text, false, 'required', false);
    case 'canonical':
      return decode(text, false, 'required', true);
    case 'go-std':
      return decode(stripped(text, /[\r\n]/g), false, 'required', false);
    case 'unpadded':
      return decode(text, false, 'forbidden', false);
    case 'url-unpadded':
      return decode(text, true, 'forbidden', false);
    case 'pem': {
      const body = stripped(text, /[ \t\r\n]/g);
      return body === '' ? 'the PEM body is empty' : decode(body, false, 'required', false);
    }
    case 'dsse': {
      const std = decode(text, false, 'required', false);
      if (typeof std !== 'string') return std;
      const url = decode(text, true, 'optional', false);
      return typeof url !== 'string' ? url : std;
    }
    case 'protojson': {
      const std = decode(text, false, 'optional', false);
      if (typeof std !== 'string') return std;
      const url = decode(text, true, 'optional', false);
      return typeof url !== 'string' ? url : std;
    }
  }
}

/** The bytes of `text` under `policy`; `what` names the field in the error. */
export function decodeBase64(text: string, policy: Base64Policy, what = 'value'): Uint8Array {
  const r = attempt(text, policy);
  if (typeof r === 'string') throw new Base64Error(`${what} is not valid base64: ${r}`);
  return r;
}

/** The bytes, or undefined when `text` does not satisfy `policy`. */
export function tryDecodeBase64(text: string, policy: Base64Policy): Uint8Array | undefined {
  const r = attempt(text, policy);
  return typeof r === 'string' ? undefined : r;
}

/** Whether `text` uses only the standard alphabet and trailing padding (to tell "not base64" from "wrong length"). */
export const looksLikeBase64 = (text: string): boolean => /^[A-Za-z0-9+/]+={0,2}$/.test(text);

/** Standard padded base64, or URL-safe unpadded with `url`. */
export function encodeBase64(bytes: Uint8Array, opts: { url?: boolean } = {}): string {
  const a = opts.url === true ? URL : STD;
  let s = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    s += a[n >>> 18]! + a[(n >>> 12) & 63]! + a[(n >>> 6) & 63]! + a[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    s += a[n >>> 18]! + a[(n >>> 12) & 63]!;
    if (rest === 2) s += a[(n >>> 6) & 63]!;
    if (opts.url !== true) s += rest === 2 ? '=' : '==';
  }
  return s;
}
