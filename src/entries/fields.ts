/**
 * Reading a proposed entry's JSON safely. Shape errors (missing field, wrong JSON type) are
 * `schema_violation` (HTTP 422), worded like go-openapi's validator that Rekor runs before its
 * handlers (rekor-api.md §1.0); meaning errors are `invalid_input` (HTTP 400) prefixed
 * `error processing entry:` as Rekor's createLogEntry does (rekor-api.md §1.6 step 1).
 */
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
