/**
 * Strict base64 and hex decoding. Node's Buffer.from(…, 'base64') silently skips bad characters
 * and accepts URL-safe or unpadded text; Rekor's Go decoder (encoding/base64 StdEncoding, used for
 * every `format: byte` field, https://pkg.go.dev/encoding/base64) rejects them, except that it
 * ignores CR and LF. Mirroring that keeps "accepted here" == "accepted by Rekor".
 */
import { entryError } from './fields.js';

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_BASE64 = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;
const HEX = /^[0-9a-fA-F]*$/;

function describeBadBase64(text: string): string {
  const bad = /[^A-Za-z0-9+/=]/.exec(text);
  if (bad !== null) return `illegal character ${JSON.stringify(bad[0])} at offset ${bad.index}`;
  if (text.length % 4 !== 0) return `length ${text.length} is not a multiple of 4 (missing padding?)`;
  return 'misplaced padding';
}

/** Standard padded base64 (CR/LF ignored, as Go does). `what` names the field for the message. */
export function decodeBase64(text: string, what: string): Buffer {
  const clean = text.includes('\n') || text.includes('\r') ? text.replace(/[\r\n]/g, '') : text;
  if (!STD_BASE64.test(clean)) {
    throw entryError(`${what} is not valid base64: ${describeBadBase64(clean)}`);
  }
  return Buffer.from(clean, 'base64');
}

/**
 * DSSE allows either alphabet (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md);
 * go-securesystemslib tries standard then URL-safe encoding, so do the same.
 */
export function decodeBase64Lenient(text: string, what: string): Buffer {
  if (STD_BASE64.test(text)) return Buffer.from(text, 'base64');
  if (URL_BASE64.test(text)) return Buffer.from(text, 'base64url');
  throw entryError(`${what} is not valid base64: ${describeBadBase64(text)}`);
}

export function decodeHex(text: string, what: string): Buffer {
  if (!HEX.test(text)) {
    const bad = /[^0-9a-fA-F]/.exec(text);
    throw entryError(`${what} is not valid hex: illegal character ${JSON.stringify(bad?.[0] ?? '')} at offset ${bad?.index ?? 0}`);
  }
  if (text.length % 2 !== 0) throw entryError(`${what} is not valid hex: odd length ${text.length}`);
  return Buffer.from(text, 'hex');
}

/** A SHA-256 digest in hex (any case), as the `value` of a `{algorithm: "sha256"}` hash object. */
export function checkSha256Hex(text: string, what: string): void {
  if (text.length !== 64) throw entryError(`invalid value for ${what}: sha256 digest must be 64 hex characters, got ${text.length}`);
  decodeHex(text, `invalid value for ${what}: sha256 digest`);
}
