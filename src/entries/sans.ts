/**
 * Subject alternative names of a certificate in the order Rekor indexes them (sigstore
 * cryptoutils.GetSubjectAlternateNames): DNS names, email addresses, IP addresses, URIs, then the
 * Fulcio OtherName SAN 1.3.6.1.4.1.57264.1.7 (a UTF8String username).
 * https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6 · fulcio-and-clients.md §2.2
 */
import type { ParsedCertificate } from './certificate.js';
import { bufferOf } from '../buffer-view.js';
import { children, decodeOid, readOne, TAG, type Tlv } from '../core/der.js';
import { entryError } from './fields.js';

const SAN_OID = '2.5.29.17';
const FULCIO_USERNAME_OID = '1.3.6.1.4.1.57264.1.7';

/** Go's net.IP.String(): dotted quad for IPv4 (also IPv4-mapped IPv6), RFC 5952 for IPv6. */
export function formatIp(bytes: Uint8Array): string {
  const isMapped = bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (bytes.length === 4 || isMapped) return Array.from(bytes.subarray(bytes.length - 4)).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  // Longest run of ≥2 zero groups (first one on ties) becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** SANs of `cert` in Rekor's index order; certificates without the extension have none. */
export function subjectAltNames(cert: ParsedCertificate): string[] {
  const ext = cert.extensions.get(SAN_OID);
  if (ext === undefined) return [];
  const bad = (): Error => entryError('certificate has a malformed subjectAltName extension');
  let names: Tlv[];
  try {
    names = children(readOne(ext, TAG.SEQUENCE, 'subjectAltName'), 'subjectAltName');
  } catch {
    throw bad();
  }
  const dns: string[] = [];
  const email: string[] = [];
  const ip: string[] = [];
  const uri: string[] = [];
  const other: string[] = [];
  for (const name of names) {
    const value = bufferOf(name.value);
    switch (name.tag) {
      case 0x81: email.push(value.toString('latin1')); break;
      case 0x82: dns.push(value.toString('latin1')); break;
      case 0x86: uri.push(value.toString('latin1')); break;
      case 0x87:
        if (value.length !== 4 && value.length !== 16) throw bad();
        ip.push(formatIp(value));
        break;
      case 0xa0: {
        const username = otherNameUsername(name);
        if (username === null) throw bad();
        if (username !== undefined) other.push(username);
        break;
      }
      default: break; // directoryName, x400Address, …: not indexed by Rekor
    }
  }
  return [...dns, ...email, ...ip, ...uri, ...other];
}

/**
 * OtherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }, here IMPLICIT-tagged [0]:
 * the Fulcio username (a UTF8String), undefined for another type, null when malformed.
 */
function otherNameUsername(name: Tlv): string | undefined | null {
  try {
    const [oidTlv, wrapped] = children(name, 'otherName');
    if (oidTlv?.tag !== TAG.OID || wrapped?.tag !== 0xa0) return null;
    if (decodeOid(oidTlv.value) !== FULCIO_USERNAME_OID) return undefined;
    return bufferOf(readOne(wrapped.value, TAG.UTF8_STRING, 'otherName value').value).toString('utf8');
  } catch {
    return null;
  }
}
