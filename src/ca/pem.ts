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

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/** Every PEM block in `text`, in order; text between blocks (comments, `Bag Attributes`) is ignored. */
export function pemBlocks(text: string, what = 'PEM input'): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, label = '', body = '', endLabel] = m;
    if (label !== endLabel) throw new SealhouseError('malformed_key', `${what}: BEGIN ${label} closed by END ${endLabel ?? ''}`);
    // RFC 7468 allows headers (Proc-Type/DEK-Info) only on legacy encrypted keys; those are not base64.
    const b64 = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      throw new SealhouseError('malformed_key', `${what}: the ${label} block is not valid base64`);
    }
    blocks.push({ label, der: Buffer.from(b64, 'base64') });
  }
  return blocks;
}

/** The certificates of a PEM chain file, in file order. */
export function certificatesFromPem(text: string, what = 'certificate chain'): Buffer[] {
  const certs = pemBlocks(text, what).filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) throw new SealhouseError('malformed_key', `${what}: no CERTIFICATE block found`);
  return certs.map((b) => b.der);
}
