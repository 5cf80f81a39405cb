/**
 * An OpenAPI document (openapi/*.yaml) parsed into the object openapi-backend is constructed with.
 * Given a file path, openapi-backend reads and parses the YAML twice through
 * json-schema-ref-parser's asynchronous loader (once to load, once to dereference); given the
 * object, its quick mode dereferences it synchronously in memory. Measured on this machine: the
 * path costs ~150 ms of the start's main thread across the two APIs, this parse ~25 ms.
 */
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import type { Document } from 'openapi-backend';

export function loadOpenApiDocument(path: string): Document {
  return load(readFileSync(path, 'utf8')) as Document;
}
