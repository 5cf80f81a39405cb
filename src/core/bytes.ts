/**
 * Byte helpers without Buffer: hex, standard base64, UTF-8, comparison. The modules under
 * src/core run unchanged in the server, the CLI and the page.
 */
import { decodeBase64, encodeBase64 } from './base64.js';

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function hexToBytes(hex: string): Uint8Array {
  if (!HEX.test(hex)) throw new Error(`not a hex string: ${preview(hex)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Strict standard padded base64 (RFC 4648 §4); other policies: base64.ts. */
export const base64ToBytes = (b64: string): Uint8Array => decodeBase64(b64, 'standard');

export const toBase64 = (bytes: Uint8Array): string => encodeBase64(bytes);

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Strict UTF-8 decoding: invalid sequences throw instead of becoming U+FFFD. */
export const fromUtf8 = (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A short, safe excerpt of untrusted input for error messages. */
export function preview(text: string, max = 24): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
