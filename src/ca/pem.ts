/**
 * PEM armour (RFC 7468, https://www.rfc-editor.org/rfc/rfc7468) for certificates and keys.
 *
 *   -----BEGIN CERTIFICATE-----
 *   MIIB+DCCAX6gAwIBAgIT…
 *   -----END CERTIFICATE-----
 *
 * Parsing is strict about labels matching and base64 being valid, and never echoes the
 * content of a block in an error (it may be a private key).
 */
import { SealhouseError } from '../errors.js';

export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
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

/**
 * Every PEM block in `text`, in order; text between blocks (comments, `Bag Attributes`) is ignored.
 * A linear scan with indexOf: a lazy `BEGIN…END` regex rescans to the end of the text for every
 * BEGIN line without an END, which took 3.5 s for 272 KB of BEGIN lines (found while writing test/fuzz).
 */
export function pemBlocks(text: string, what = 'PEM input'): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (let pos = 0; ; ) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin < 0) break;
    const head = BEGIN_LINE.exec(text.slice(begin, begin + BEGIN.length + MAX_LABEL + 5));
    if (!head) {
      pos = begin + 1;
      continue;
    }
    const label = head[1] ?? '';
    const bodyStart = begin + head[0].length;
    const end = findEnd(text, bodyStart);
    // No END line after this BEGIN means none after any later BEGIN either.
    if (!end) break;
    if (label !== end.label) throw new SealhouseError('malformed_key', `${what}: BEGIN ${label} closed by END ${end.label}`);
    // RFC 7468 allows headers (Proc-Type/DEK-Info) only on legacy encrypted keys; those are not base64.
    const b64 = text.slice(bodyStart, end.start).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      throw new SealhouseError('malformed_key', `${what}: the ${label} block is not valid base64`);
    }
    blocks.push({ label, der: Buffer.from(b64, 'base64') });
    pos = end.end;
  }
  return blocks;
}

/** The certificates of a PEM chain file, in file order. */
export function certificatesFromPem(text: string, what = 'certificate chain'): Buffer[] {
  const certs = pemBlocks(text, what).filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) throw new SealhouseError('malformed_key', `${what}: no CERTIFICATE block found`);
  return certs.map((b) => b.der);
}
