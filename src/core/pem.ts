/**
 * The one PEM module (RFC 7468): reading the blocks of a text, and writing DER as Go's
 * pem.Encode does (64-column base64, `\n` line ends, trailing `\n`): the exact bytes Rekor
 * stores for keys and certificates (rekor-api.md §2.1).
 *
 *   -----BEGIN PUBLIC KEY-----
 *   MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…(64 columns)
 *   -----END PUBLIC KEY-----
 *
 * Reading is a linear indexOf scan: a lazy BEGIN…END regex rescans to the end of the text for
 * every BEGIN line without an END (3.5 s for 272 KB of BEGIN lines, found by test/fuzz). Labels
 * must match, bodies are strict base64 (whitespace between characters aside), legacy headers
 * (Proc-Type/DEK-Info) are refused, and no error ever quotes a block's content (it may be a
 * private key). https://www.rfc-editor.org/rfc/rfc7468 · https://pkg.go.dev/encoding/pem#Encode
 */
import { decodeBase64, encodeBase64, tryDecodeBase64 } from './base64.js';
import { fromUtf8 } from './bytes.js';
import { CoreError } from './errors.js';

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

export class PemError extends CoreError {
  constructor(message: string) {
    super('malformed_key', message);
    this.name = 'PemError';
  }
}

export interface PemOptions {
  /** Names the input in errors. */
  readonly what?: string;
  /**
   * Entry bodies (Rekor's pem.Decode loop): a broken BEGIN line or a block without END is an
   * error rather than text to skip, and nothing but whitespace may follow the last block.
   */
  readonly strict?: boolean;
  /** Return [] instead of throwing when the text holds no block (key files with comments). */
  readonly allowNone?: boolean;
  /** What blocks the caller wants, for the "no PEM block found" message. */
  readonly expected?: string;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
/** Longest label looked at; real ones are a few words ("ENCRYPTED PRIVATE KEY"). */
const MAX_LABEL = 64;
const BEGIN_LINE = new RegExp(`^-----BEGIN ([A-Z0-9 ]{1,${MAX_LABEL}})-----`);
const END_LINE = new RegExp(`^-----END ([A-Z0-9 ]{1,${MAX_LABEL}})-----`);

/** The first END line at or after `from`: its label and where it starts and ends. */
function findEnd(text: string, from: number): { label: string; start: number; end: number } | undefined {
  for (let at = text.indexOf(END, from); at >= 0; at = text.indexOf(END, at + 1)) {
    const m = END_LINE.exec(text.slice(at, at + END.length + MAX_LABEL + 5));
    if (m) return { label: m[1] ?? '', start: at, end: at + m[0].length };
  }
  return undefined;
}

/** Every PEM block in `text`, in order; in the default mode text between blocks is ignored. */
export function pemBlocks(text: string, opts: PemOptions = {}): PemBlock[] {
  const what = opts.what ?? 'PEM input';
  const strict = opts.strict === true;
  const blocks: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin < 0) break;
    const head = BEGIN_LINE.exec(text.slice(begin, begin + BEGIN.length + MAX_LABEL + 5));
    if (!head) {
      if (strict) throw new PemError(`${what}: malformed PEM BEGIN line`);
      pos = begin + 1;
      continue;
    }
    const label = head[1] ?? '';
    const bodyStart = begin + head[0].length;
    const end = findEnd(text, bodyStart);
    if (!end) {
      if (strict) throw new PemError(`${what}: PEM block "${label}" has no matching END line`);
      break; // no END after this BEGIN means none after any later BEGIN either
    }
    if (label !== end.label) throw new PemError(`${what}: BEGIN ${label} closed by END ${end.label}`);
    const body = text.slice(bodyStart, end.start);
    if (body.includes(':')) throw new PemError(`${what}: PEM headers (encrypted or legacy PEM) are not supported`);
    const der = tryDecodeBase64(body, 'pem');
    if (der === undefined) throw new PemError(`${what}: PEM block "${label}" does not contain valid base64`);
    blocks.push({ label, der });
    pos = end.end;
  }
  if (blocks.length === 0 && opts.allowNone !== true) throw new PemError(`${what}: no PEM block found${opts.expected === undefined ? '' : ` (expected ${opts.expected})`}`);
  if (strict && text.slice(pos).trim().length > 0) throw new PemError(`${what}: unexpected data after the last PEM block`);
  return blocks;
}

/** The PEM blocks inside a base64 field of an entry body (`publicKey.content`, `verifier`). */
export function pemBlocksFromBase64(b64: string, opts: PemOptions = {}): PemBlock[] {
  return pemBlocks(fromUtf8(decodeBase64(b64, 'standard', opts.what)), opts);
}

/** Go's pem.Encode without headers: exactly the bytes Rekor stores. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = encodeBase64(der);
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${label}-----\n`;
}

/** The certificates of a PEM chain file, in file order. */
export function certificatesFromPem(text: string, what = 'certificate chain'): Uint8Array[] {
  const certs = pemBlocks(text, { what, allowNone: true }).filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) throw new PemError(`${what}: no CERTIFICATE block found`);
  return certs.map((b) => b.der);
}
