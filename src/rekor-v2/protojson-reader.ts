/**
 * Reading a protojson message as rekor-tiles' HTTP gateway does (grpc-gateway with protojson
 * `DiscardUnknown: false`): a field may be spelled by its JSON name or its proto name, an unknown
 * field is an error, `null` means unset, `bytes` are standard or URL-safe base64 with or without
 * padding, enums are a value name or its number, and at most one field of a oneof may be set.
 * https://protobuf.dev/programming-guides/json/
 */
import { decodeBase64 } from '../core/base64.js';
import { bufferOf } from '../buffer-view.js';
import { SealhouseError } from '../errors.js';

/** A protojson field: its JSON (lowerCamel) and proto (snake_case) names. */
export interface ProtoField {
  readonly json: string;
  readonly proto: string;
}

export const field = (json: string, proto: string = json): ProtoField => ({ json, proto });

export const invalid = (message: string): SealhouseError => new SealhouseError('invalid_input', message);

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/**
 * The set fields of a message, by JSON name, after refusing unknown and repeated ones. `null`
 * (Go clients write it for unset pointers) counts as absent, as protojson treats it.
 */
export function readMessage(value: unknown, path: string, fields: readonly ProtoField[]): Map<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${path}: expected a JSON object, got ${describe(value)}`);
  }
  const byName = new Map<string, ProtoField>();
  for (const f of fields) {
    byName.set(f.json, f);
    byName.set(f.proto, f);
  }
  const out = new Map<string, unknown>();
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const f = byName.get(key);
    if (f === undefined) throw invalid(`${path}: unknown field ${JSON.stringify(key.slice(0, 100))}`);
    if (out.has(f.json)) throw invalid(`${path}: duplicate field ${JSON.stringify(f.json)}`);
    if (v !== null) out.set(f.json, v);
  }
  return out;
}

/** The one set field of a oneof among `names`, or undefined if none is set. */
export function oneOf(fields: Map<string, unknown>, names: readonly string[], path: string): string | undefined {
  const set = names.filter((n) => fields.has(n));
  if (set.length > 1) throw invalid(`${path}: fields ${set.join(' and ')} belong to one oneof; set only one`);
  return set[0];
}

/** A protojson `bytes` field (empty when unset). */
export function readBytes(value: unknown, path: string): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (typeof value !== 'string') throw invalid(`${path}: expected base64 bytes, got ${describe(value)}`);
  try {
    return bufferOf(decodeBase64(value, 'protojson', path));
  } catch (err) {
    throw invalid(`${path}: ${(err as Error).message}`);
  }
}

/** A protojson enum: its value name, or the number of a value (`names` by number). */
export function readEnum(value: unknown, path: string, names: ReadonlyMap<number, string>): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) {
    const name = names.get(value);
    if (name === undefined) throw invalid(`${path}: invalid value for enum field: ${value}`);
    return name;
  }
  if (typeof value === 'string') {
    for (const name of names.values()) if (name === value) return name;
    throw invalid(`${path}: invalid value for enum field: ${JSON.stringify(value.slice(0, 100))}`);
  }
  throw invalid(`${path}: expected an enum name or number, got ${describe(value)}`);
}
