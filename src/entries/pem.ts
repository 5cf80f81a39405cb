/**
 * PEM (RFC 7468) reading and Go-style writing. Rekor re-encodes every key and certificate it
 * stores with Go's pem.Encode (64-column base64, `\n` line ends, trailing `\n`), so a client's
 * CRLF or re-wrapped PEM yields the same canonical body (rekor-api.md §2.1).
 * https://www.rfc-editor.org/rfc/rfc7468 · https://pkg.go.dev/encoding/pem#Encode
 *
 *   -----BEGIN PUBLIC KEY-----
 *   MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…(64 columns)
 *   …
 *   -----END PUBLIC KEY-----
 */
import { entryError } from './fields.js';

export interface PemBlock {
  type: string;
  der: Buffer;
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * All PEM blocks in `text`, in order. Like Go's pem.Decode, text before a BEGIN line is skipped
 * (e.g. `openssl x509 -text` output); unlike it, anything after the last block is an error
 * rather than silently dropped. `what` names the field in error messages.
 */
export function parsePemBlocks(text: string, what: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin < 0) break;
    const typeEnd = text.indexOf(DASHES, begin + BEGIN.length);
    const lineEnd = text.indexOf('\n', begin);
    if (typeEnd < 0 || (lineEnd >= 0 && typeEnd > lineEnd)) throw entryError(`${what}: malformed PEM BEGIN line`);
    const type = text.slice(begin + BEGIN.length, typeEnd);
    const endLine = `-----END ${type}-----`;
    const bodyStart = typeEnd + DASHES.length;
    const end = text.indexOf(endLine, bodyStart);
    if (end < 0) throw entryError(`${what}: PEM block "${type}" has no matching END line`);
    const body = text.slice(bodyStart, end);
    if (body.includes(':')) throw entryError(`${what}: PEM headers (encrypted or legacy PEM) are not supported`);
    const b64 = body.replace(/[ \t\r\n]/g, '');
    if (!STD_BASE64.test(b64) || b64.length === 0) {
      throw entryError(`${what}: PEM block "${type}" does not contain valid base64`);
    }
    blocks.push({ type, der: Buffer.from(b64, 'base64') });
    pos = end + endLine.length;
  }
  if (blocks.length === 0) throw entryError(`${what}: no PEM block found (expected PUBLIC KEY or CERTIFICATE)`);
  if (text.slice(pos).trim().length > 0) throw entryError(`${what}: unexpected data after the last PEM block`);
  return blocks;
}

/** Go's pem.Encode without headers: exactly the bytes Rekor stores. */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let out = `-----BEGIN ${type}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${type}-----\n`;
}
