/**
 * Request shapes the Go clients send (sigstore-2026.md §2), made to mean what they mean to Rekor
 * and Fulcio, for both APIs, before openapi-backend routes and validates a request:
 *
 * - `null` is absent. Go's encoder writes `null` for unset slices and pointers that lack
 *   `omitempty` (rekor's generated models: dsse `signatures`, SearchLogQuery `entryUUIDs`,
 *   `logIndexes`, `entries`; Fulcio's legacy client: `certificateSigningRequest`,
 *   `signedEmailAddress`, `publicKey.content`). Go decodes `null` into the zero value, i.e.
 *   exactly as if the member were missing, and protojson (Fulcio v2 behind grpc-gateway) reads
 *   `null` as "unset" for every field of these messages. So every object member whose value is
 *   `null` is removed, at any depth. A required field sent as `null` is then reported by the
 *   schema or the entry type as missing ("spec.data in body is required"), as go-openapi does.
 *   The stored entry bodies are rebuilt by the entry types from parsed values, so they come out
 *   byte-identical to those of the same request without the nulls, as Rekor's re-marshalling
 *   with `omitempty` makes them. `null` array elements and a `null` body stay (they are values,
 *   not absent members) and are refused by the schema.
 * - Unknown query parameters are ignored, as go-openapi and grpc-gateway do (older clients send
 *   `GET /api/v1/log?stable=true`); openapi-backend would refuse any undeclared one.
 */
import type { OpenAPIBackend, Request as ApiRequest } from 'openapi-backend';
import { isSealhouseError, SealhouseError } from '../errors.js';

/**
 * Removes every `null`-valued member of every object in `value`, in place, and returns the
 * dotted paths it removed (e.g. `spec.signatures`, `entries.0.spec.data`). Iterative: a body may
 * nest as deep as the size limit allows, and recursion would overflow the stack.
 */
export function dropNullMembers(value: unknown): string[] {
  const dropped: string[] = [];
  const pending: [unknown, string][] = [[value, '']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, path] = next;
    if (typeof node !== 'object' || node === null) continue;
    const prefix = path === '' ? '' : `${path}.`;
    if (Array.isArray(node)) {
      node.forEach((item, i) => pending.push([item, `${prefix}${i}`]));
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === null) {
        delete record[key];
        dropped.push(`${prefix}${key}`);
      } else {
        pending.push([record[key], `${prefix}${key}`]);
      }
    }
  }
  return dropped;
}

/** `query` restricted to the parameters the matched operation declares. */
function declaredQuery(api: OpenAPIBackend, req: ApiRequest): ApiRequest['query'] {
  const query = req.query;
  if (query === undefined || typeof query === 'string' || Object.keys(query).length === 0) return query;
  const operation = api.router.matchOperation(req);
  if (operation === undefined) return query; // unrouted: 404/405 as before
  const names = new Set(
    (operation.parameters ?? []).flatMap((p) => ('in' in p && p.in === 'query' ? [p.name] : [])),
  );
  return Object.fromEntries(Object.entries(query).filter(([name]) => names.has(name)));
}

/**
 * Wraps `api.handleRequest` so that every request reaches routing and validation with its
 * `null` members dropped and its undeclared query parameters removed. `onNullsDropped` (if
 * given) is told which paths were dropped, with the handler arguments (to explain, with
 * noteDroppedNulls, a "required" error about a field that was sent as `null`).
 */
export function acceptGoClientShapes(api: OpenAPIBackend, onNullsDropped?: (paths: readonly string[], ...handlerArgs: unknown[]) => void): void {
  const handle = api.handleRequest.bind(api);
  api.handleRequest = (req: ApiRequest, ...handlerArgs: unknown[]) => {
    const dropped = dropNullMembers(req.body);
    if (dropped.length > 0) onNullsDropped?.(dropped, ...handlerArgs);
    return handle({ ...req, query: declaredQuery(api, req) }, ...handlerArgs);
  };
}

/** How the schema (ajv, via validationMessage) and the entry types (fields.ts) call `path` missing. */
function missingPhrases(path: string): string[] {
  const parts = path.split('.');
  const last = parts.pop() ?? path;
  const parent = ['requestBody', ...parts].join('.');
  const entryPath = (p: string): string => `${p.replace(/\.(\d+)(?=\.|$)/g, '[$1]')} in body is required`;
  // A proposed entry inside entries/retrieve is checked by its entry type, which names paths from its own root.
  const inSearch = /^entries\.\d+\.(.+)$/.exec(path)?.[1];
  return [entryPath(path), ...(inSearch ? [entryPath(inSearch)] : []), `${parent} must have required property '${last}'`];
}

/**
 * `err` with a note when it calls a field missing that the client did send, as `null`:
 * "spec.data in body is required (spec.data was sent as null, which means absent)". `dropped`
 * are the paths dropNullMembers returned. Other errors are returned as they are.
 */
export function noteDroppedNulls(err: unknown, dropped: readonly string[] | undefined): unknown {
  if (!isSealhouseError(err, 'schema_violation') || dropped === undefined || dropped.length === 0) return err;
  const named = dropped.filter((path) => missingPhrases(path).some((phrase) => err.message.includes(phrase)));
  if (named.length === 0) return err;
  const note = `${named.join(', ')} ${named.length === 1 ? 'was' : 'were'} sent as null, which means absent`;
  return new SealhouseError(err.code, `${err.message} (${note})`, { cause: err });
}
