/**
 * PEM armour (RFC 7468): the blocks in a text, and DER back to PEM for display. Entry bodies
 * carry keys and certificates as base64 of PEM text (rekor-api.md §2.1).
 */
import { base64ToBytes, fromUtf8, toBase64 } from './bytes.js';

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, label = '', body = '', endLabel = ''] = m;
    if (label !== endLabel) throw new Error(`PEM block BEGIN ${label} ends with END ${endLabel}`);
    blocks.push({ label, der: base64ToBytes(body.replace(/\s+/g, '')) });
  }
  if (blocks.length === 0) throw new Error('no PEM block found');
  return blocks;
}

/** The PEM blocks inside a base64 field of an entry body (`publicKey.content`, `verifier`). */
export function pemBlocksFromBase64(b64: string): PemBlock[] {
  return pemBlocks(fromUtf8(base64ToBytes(b64)));
}

export function toPem(der: Uint8Array, label: string): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
