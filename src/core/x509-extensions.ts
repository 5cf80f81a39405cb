/**
 * Decoding the X.509 v3 extensions a Fulcio certificate carries (RFC 5280 §4.2; the sigstore
 * arc per fulcio-and-clients.md §2.2; the SCT list per RFC 6962 §3.3) into display values.
 */
import { fromUtf8, toBase64, toHex } from './bytes.js';
import { children, decodeOid, decodeString, expectTag, integerNumber, readOne, readTlv, TAG, type Tlv } from './der.js';
import { FULCIO_ARC, FULCIO_EXTENSIONS, KEY_PURPOSES, KEY_USAGE_BITS, nameOf } from './oids.js';

export interface SanEntry {
  readonly type: 'email' | 'uri' | 'dns' | 'ip' | 'otherName' | 'directoryName' | 'other';
  readonly value: string;
}

export interface FulcioField {
  readonly arc: number;
  readonly oid: string;
  readonly name: string;
  readonly value: string;
}

export interface Sct {
  readonly logIdBase64: string;
  readonly timestamp: Date;
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups: string[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
  return groups.join(':');
}

export function decodeSan(value: Uint8Array): SanEntry[] {
  const names = children(readOne(value, TAG.SEQUENCE, 'subjectAltName'), 'subjectAltName');
  return names.map((n): SanEntry => {
    const ascii = (): string => Array.from(n.value, (c) => String.fromCharCode(c)).join('');
    switch (n.tag) {
      case 0x81: return { type: 'email', value: ascii() };
      case 0x82: return { type: 'dns', value: ascii() };
      case 0x86: return { type: 'uri', value: ascii() };
      case 0x87: return { type: 'ip', value: ipText(n.value) };
      case 0xa0: {
        // OtherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }, IMPLICIT-tagged [0].
        const [oid, wrapped] = children(n, 'otherName');
        const typeId = decodeOid(expectTag(oid, TAG.OID, 'otherName type').value);
        const inner = wrapped ? readTlv(wrapped.value, 0, 'otherName value') : undefined;
        return { type: 'otherName', value: `${inner ? decodeString(inner) : ''} (${typeId})` };
      }
      case 0xa4: return { type: 'directoryName', value: '(directory name)' };
      default: return { type: 'other', value: `[tag 0x${n.tag.toString(16)}] ${toHex(n.value)}` };
    }
  });
}

export function decodeKeyUsage(value: Uint8Array): string[] {
  const bits = readOne(value, TAG.BIT_STRING, 'keyUsage').value;
  const out: string[] = [];
  KEY_USAGE_BITS.forEach((name, i) => {
    const byte = bits[1 + Math.floor(i / 8)] ?? 0;
    if (byte & (0x80 >> i % 8)) out.push(name);
  });
  return out;
}

export function decodeExtKeyUsage(value: Uint8Array): string[] {
  return children(readOne(value, TAG.SEQUENCE, 'extKeyUsage'), 'extKeyUsage').map((p) => nameOf(KEY_PURPOSES, decodeOid(p.value)));
}

export function decodeBasicConstraints(value: Uint8Array): string {
  const [first, second] = children(readOne(value, TAG.SEQUENCE, 'basicConstraints'), 'basicConstraints');
  const ca = first?.tag === TAG.BOOLEAN && first.value[0] !== 0;
  const pathLen = (first?.tag === TAG.INTEGER ? first : second)?.value;
  return ca ? `CA: true${pathLen ? `, path length ${integerNumber(pathLen)}` : ''}` : 'CA: false';
}

export function decodeKeyIdentifier(value: Uint8Array, authority: boolean): string {
  if (!authority) return toHex(readOne(value, TAG.OCTET_STRING, 'subjectKeyIdentifier').value);
  const keyId = children(readOne(value, TAG.SEQUENCE, 'authorityKeyIdentifier'), 'authorityKeyIdentifier').find((t: Tlv) => t.tag === 0x80);
  return keyId ? toHex(keyId.value) : '(no key identifier)';
}

/** .1–.6 hold raw UTF-8; .8 and later a DER UTF8String (fulcio-and-clients.md §2.2). */
export function decodeFulcio(oid: string, value: Uint8Array): FulcioField {
  const arc = Number(oid.slice(FULCIO_ARC.length));
  let text: string;
  if (arc >= 8) {
    try {
      text = decodeString(readOne(value, TAG.UTF8_STRING, oid));
    } catch {
      text = `(not a UTF8String) ${toHex(value)}`;
    }
  } else {
    try {
      text = fromUtf8(value);
    } catch {
      text = `(not UTF-8) ${toHex(value)}`;
    }
  }
  return { arc, oid, name: FULCIO_EXTENSIONS[arc] ?? `Sigstore extension .${arc}`, value: text };
}

/** RFC 6962 §3.3: an OCTET STRING around a TLS SignedCertificateTimestampList. */
export function decodeSctList(value: Uint8Array): Sct[] {
  const tls = readOne(value, TAG.OCTET_STRING, 'SCT list').value;
  const u16 = (at: number): number => ((tls[at] ?? 0) << 8) | (tls[at + 1] ?? 0);
  const scts: Sct[] = [];
  for (let at = 2; at + 2 <= Math.min(tls.length, 2 + u16(0)); ) {
    const len = u16(at);
    const sct = tls.subarray(at + 2, at + 2 + len);
    if (sct.length < 41 || sct[0] !== 0) break; // only v1 SCTs are defined
    let ms = 0;
    for (const b of sct.subarray(33, 41)) ms = ms * 256 + b;
    scts.push({ logIdBase64: toBase64(sct.subarray(1, 33)), timestamp: new Date(ms) });
    at += 2 + len;
  }
  return scts;
}
