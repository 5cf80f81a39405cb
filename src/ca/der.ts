/**
 * The CA's DER writer: core/der-writer.ts (the one implementation) with Buffer results, because
 * the CA's certificate assembly is Buffer-typed end to end. Reading DER is core/der.ts.
 */
import { bufferOf } from '../buffer-view.js';
import { encodeTime as coreEncodeTime, tlv as coreTlv, utf8String } from '../core/der-writer.js';

export { contextTag, TAG } from '../core/der.js';

export const tlv = (tag: number, ...content: Uint8Array[]): Buffer => bufferOf(coreTlv(tag, ...content));
export const derUtf8String = (value: string): Buffer => bufferOf(utf8String(value));
export const encodeTime = (date: Date): Buffer => bufferOf(coreEncodeTime(date));
