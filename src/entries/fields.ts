/**
 * Reading a proposed entry's JSON safely. Shape errors (missing field, wrong JSON type) are
 * `schema_violation` (HTTP 422), worded like go-openapi's validator that Rekor runs before its
 * handlers (rekor-api.md §1.0); meaning errors are `invalid_input` (HTTP 400) prefixed
 * `error processing entry:` as Rekor's createLogEntry does (rekor-api.md §1.6 step 1).
 */
import { decodeBase64 } from '../core/base64.js';
import { bufferOf } from '../buffer-view.js';
import { SealhouseError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

/** A 400 with Rekor's prefix, e.g. `error processing entry: invalid value for hash: …`. */
export function entryError(reason: string, cause?: unknown): SealhouseError {
  return new SealhouseError('invalid_input', `error processing entry: ${reason}`, { cause });
}

export function schemaError(path: string, problem: string): SealhouseError {
  return new SealhouseError('schema_violation', `${path} in body ${problem}`);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'number' && Number.isInteger(value) ? 'integer' : typeof value;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown, path: string): JsonObject {
  if (value === undefined) throw schemaError(path, 'is required');
  if (!isJsonObject(value)) throw schemaError(path, `must be of type object: "${jsonType(value)}"`);
  return value;
}

export function requiredObject(parent: JsonObject, key: string, path: string): JsonObject {
  return asObject(parent[key], `${path}.${key}`);
}

export function optionalObject(parent: JsonObject, key: string, path: string): JsonObject | undefined {
  return parent[key] === undefined ? undefined : asObject(parent[key], `${path}.${key}`);
}

export function requiredString(parent: JsonObject, key: string, path: string): string {
  const value = parent[key];
  if (value === undefined) throw schemaError(`${path}.${key}`, 'is required');
  if (typeof value !== 'string') throw schemaError(`${path}.${key}`, `must be of type string: "${jsonType(value)}"`);
  return value;
}

export function optionalString(parent: JsonObject, key: string, path: string): string | undefined {
  return parent[key] === undefined ? undefined : requiredString(parent, key, path);
}

export function requiredArray(parent: JsonObject, key: string, path: string, minItems = 0): unknown[] {
  const value = parent[key];
  if (value === undefined) throw schemaError(`${path}.${key}`, 'is required');
  if (!Array.isArray(value)) throw schemaError(`${path}.${key}`, `must be of type array: "${jsonType(value)}"`);
  if (value.length < minItems) throw schemaError(`${path}.${key}`, `should have at least ${minItems} items`);
  return value;
}

/** A `{algorithm, value}` hash object whose algorithm must be one of `allowed` (a schema enum). */
export function hashObject(
  parent: JsonObject,
  key: string,
  path: string,
  allowed: readonly string[],
): { algorithm: string; value: string } {
  const obj = requiredObject(parent, key, path);
  const algorithm = requiredString(obj, 'algorithm', `${path}.${key}`);
  if (!allowed.includes(algorithm)) {
    throw schemaError(`${path}.${key}.algorithm`, `should be one of [${allowed.join(' ')}]`);
  }
  return { algorithm, value: requiredString(obj, 'value', `${path}.${key}`) };
}

/**
 * A base64 field as Rekor's Go decoder reads it (core/base64.ts): `go-std` for every `format:
 * byte` field (standard, padded, CR/LF ignored), `dsse` where DSSE allows either alphabet.
 */
export function base64Field(text: string, what: string, policy: 'go-std' | 'dsse' = 'go-std'): Buffer {
  try {
    return bufferOf(decodeBase64(text, policy, what));
  } catch (err) {
    throw entryError((err as Error).message, err);
  }
}

const HEX = /^[0-9a-fA-F]*$/;

export function hexField(text: string, what: string): Buffer {
  if (!HEX.test(text)) {
    const bad = /[^0-9a-fA-F]/.exec(text);
    throw entryError(`${what} is not valid hex: illegal character ${JSON.stringify(bad?.[0] ?? '')} at offset ${bad?.index ?? 0}`);
  }
  if (text.length % 2 !== 0) throw entryError(`${what} is not valid hex: odd length ${text.length}`);
  return Buffer.from(text, 'hex');
}

/** A SHA-256 digest in hex (any case), as the `value` of a `{algorithm: "sha256"}` hash object. */
export function checkSha256Hex(text: string, what: string): void {
  if (text.length !== 64) throw entryError(`invalid value for ${what}: sha256 digest must be 64 hex characters, got ${text.length}`);
  hexField(text, `invalid value for ${what}: sha256 digest`);
}
