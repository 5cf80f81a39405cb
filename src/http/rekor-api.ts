/**
 * The Rekor v1 API (rekor-api.md §1), routed and validated by openapi-backend against
 * openapi/rekor.yaml. Handlers are thin: parse what the schema cannot, call the LogService,
 * format the wire shape.
 */
import type { Request, RequestHandler, Response } from 'express';
import { OpenAPIBackend, type Context } from 'openapi-backend';
import { loadOpenApiDocument } from './openapi-document.js';
import { addSchemaFormats } from './schema-formats.js';
import { DuplicateEntryError, SealhouseError } from '../errors.js';
import { entryIdOf, parseEntryId } from '../log/entry-id.js';
import { logEntryJson, toLogEntryAnon } from '../log/log-entry-json.js';
import { LogService, type LogReader, type ProvenEntry } from '../log/log-service.js';
import { searchKeyGroups, type SearchIndexRequest } from '../log/search-keys.js';
import { acceptGoClientShapes, noteDroppedNulls } from './go-client-shapes.js';
import { bodyError } from './json-body.js';
import { validationMessage } from './validation-message.js';

export const REKOR_SPEC = new URL('../../../openapi/rekor.yaml', import.meta.url).pathname;
const MAX_SEARCH_ITEMS = 10;

export interface RekorApiDeps {
  /** The writer's log; a reader's (src/reader-server.ts) serves every operation but createLogEntry. */
  readonly log: LogService | LogReader;
  /** True while shutting down: new entries are refused with 503. */
  readonly draining: () => boolean;
  /** Called once per committed entry (metrics). */
  readonly onAppended?: () => void;
}

type Handler = (c: Context, req: Request, res: Response) => Promise<void> | void;

function noCache(res: Response): void {
  res.set('Cache-Control', 'no-cache, no-store, must-revalidate, max-age=0');
  res.set('Pragma', 'no-cache');
}

/**
 * An operation with a request body refuses an empty one, as go-openapi does ("body in body is
 * required", 422) — body-parser would otherwise hand the schema an empty object.
 */
function requireBody(c: Context, req: Request): void {
  const sent = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (c.operation?.requestBody !== undefined && !sent) {
    throw new SealhouseError('schema_violation', `the request body is empty; ${c.operation.operationId ?? 'this operation'} expects a JSON object`);
  }
}

/** The path a Location header points at: this request's path (sans query) plus the entry ID. */
function locationOf(req: Request, entryId: string): string {
  const path = req.originalUrl.split('?')[0] ?? '/api/v1/log/entries';
  return `${path.replace(/\/+$/, '')}/${entryId}`;
}

export async function createRekorApi(deps: RekorApiDeps): Promise<OpenAPIBackend> {
  const { log } = deps;
  const wire = (entries: readonly ProvenEntry[]): Record<string, unknown>[] =>
    entries.map((e) => ({ [entryIdOf(e.shard.treeId, e.leafHash)]: toLogEntryAnon(e, e.proof, e.shard.logIdHex) }));

  // Compared as integers: Rekor parses treeID, so "007" names tree 7. The schema allows only digits.
  const treeOf = (treeID: unknown): number | undefined => {
    if (treeID === undefined) return undefined;
    const id = BigInt(String(treeID));
    return id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : -1;
  };
  const unknownTree = (treeID: unknown): SealhouseError =>
    new SealhouseError('invalid_input', `unknown tree ID ${String(treeID)}; this log's shards are ${log.shardRecords.map((s) => s.treeId).join(', ')}`);

  const createLogEntry = async (body: unknown, req: Request, res: Response): Promise<void> => {
    if (deps.draining()) throw new SealhouseError('unavailable', 'the log is shutting down and accepts no new entries');
    // A reader's writes are answered before this (http/reader-writes.ts); this is the backstop.
    if (!(log instanceof LogService)) throw new SealhouseError('unavailable', 'this Sealhouse process only reads (from a database replica); send entries to a writer');
    let entry;
    try {
      // The fair share is per connecting address; proxy headers are not trusted (they are the client's to forge).
      entry = await log.submit(body, req.socket.remoteAddress);
    } catch (err) {
      if (!(err instanceof DuplicateEntryError)) throw err;
      const id = entryIdOf(log.treeId, err.leafHash); // deduplication is within the shard in use
      res.status(409).set('Location', locationOf(req, id));
      res.json({ code: 409, message: `an equivalent entry already exists in the transparency log with UUID ${id}` });
      return;
    }
    // Committed: from here on only formatting, which cannot fail (the proof was built in the batch).
    deps.onAppended?.();
    const id = entryIdOf(entry.shard.treeId, entry.leafHash);
    // The headers and bytes res.json would send (Content-Type, then Content-Length), written
    // directly: Express's status/set/json/send layers were ≈ 20 µs per entry of the limiting thread.
    const json = logEntryJson(id, entry, entry.proof, entry.shard.logIdHex);
    res.statusCode = 201;
    res.setHeader('ETag', id);
    res.setHeader('Location', locationOf(req, id));
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(json));
    res.end(json);
  };

  const handlers: Record<string, Handler> = {
    getLogInfo: async (_c, _req, res) => {
      const [info, inactive] = await Promise.all([log.info(), log.inactiveShards()]);
      noCache(res);
      res.json({
        rootHash: info.rootHash.toString('hex'),
        treeSize: info.treeSize,
        signedTreeHead: info.checkpoint,
        treeID: String(log.treeId),
        // Rekor emits null, not [], for a log that never rotated (no omitempty; rekor-api.md §1.3).
        inactiveShards:
          inactive.length === 0
            ? null
            : inactive.map((s) => ({ rootHash: s.rootHash.toString('hex'), treeSize: s.treeSize, signedTreeHead: s.checkpoint, treeID: String(s.treeId) })),
      });
    },

    getPublicKey: async (c, _req, res) => {
      const pem = await log.publicKeyPem(treeOf(c.request.query.treeID));
      if (pem === undefined) throw unknownTree(c.request.query.treeID);
      noCache(res);
      res.type('application/x-pem-file').send(pem);
    },

    getLogProof: async (c, _req, res) => {
      const { firstSize = 1, lastSize, treeID } = c.request.query as unknown as { firstSize?: number; lastSize: number; treeID?: string };
      const proof = await log.consistency(Number(firstSize), Number(lastSize), treeOf(treeID));
      noCache(res);
      res.json({ rootHash: proof.rootHash.toString('hex'), hashes: proof.hashes.map((h) => h.toString('hex')) });
    },

    createLogEntry: (c, req, res) => createLogEntry(c.request.requestBody, req, res),

    getLogEntryByIndex: async (c, _req, res) => {
      // The schema caps logIndex at int64; past 2^53 no entry can exist (DESIGN §3), so 404.
      const index = Number(c.request.query.logIndex);
      const entry = Number.isSafeInteger(index) ? await log.entryByIndex(index) : undefined;
      noCache(res);
      if (!entry) return void res.status(404).end();
      res.json(wire([entry])[0]);
    },

    getLogEntryByUUID: async (c, _req, res) => {
      const lookup = parseEntryId(String(c.request.params.entryUUID));
      noCache(res);
      const [entry] = await log.entriesByLeafHash([lookup.leafHash], lookup.treeId);
      if (!entry) return void res.status(404).end();
      res.json(wire([entry])[0]);
    },

    searchLogQuery: async (c, _req, res) => {
      const query = c.request.requestBody as { entryUUIDs?: string[]; logIndexes?: number[]; entries?: unknown[] };
      const total = (query.entryUUIDs?.length ?? 0) + (query.logIndexes?.length ?? 0) + (query.entries?.length ?? 0);
      if (total > MAX_SEARCH_ITEMS) throw new SealhouseError('schema_violation', `more than max allowed ${MAX_SEARCH_ITEMS} entries in request`);
      // Rekor's order (rekor-api.md §1.9): 80-hex entry IDs, then 64-hex UUIDs, then proposed
      // entries, then log indexes, each in request order; misses are skipped, repeats repeated.
      // An 80-hex ID is looked up in the shard it names, a 64-hex UUID in every shard (§1.9).
      const ids = query.entryUUIDs ?? [];
      const found: ProvenEntry[] = [];
      for (const id of [...ids.filter((i) => i.length === 80), ...ids.filter((i) => i.length !== 80)]) {
        const lookup = parseEntryId(id);
        found.push(...(await log.entriesByLeafHash([lookup.leafHash], lookup.treeId)));
      }
      for (const proposed of query.entries ?? []) found.push(...(await log.findProposed(proposed)));
      const indexes = (query.logIndexes ?? []).filter((i) => Number.isSafeInteger(i));
      const byIndex = new Map((await log.entriesByIndex(indexes)).map((e) => [e.logIndex, e]));
      found.push(...indexes.flatMap((i) => byIndex.get(i) ?? []));
      res.json(wire(found));
    },

    searchIndex: async (c, _req, res) => {
      const request = c.request.requestBody as SearchIndexRequest;
      const hits = await log.search(searchKeyGroups(request), request.operator ?? 'or');
      res.json(hits.map((h) => entryIdOf(h.treeId, h.leafHash)));
    },
  };

  // Every handler labels the response with its operation, for request logs and metrics.
  const labelled = Object.fromEntries(
    Object.entries(handlers).map(([operationId, handler]) => [
      operationId,
      async (c: Context, req: Request, res: Response) => {
        res.locals.operation = operationId;
        requireBody(c, req);
        try {
          await handler(c, req, res);
        } catch (err) {
          throw noteDroppedNulls(err, res.locals.droppedNulls as string[] | undefined);
        }
      },
    ]),
  );
  // quick: no check of the definition against the OpenAPI schema at start (test/http/openapi-definitions.test.ts
  // does it), and each operation's validator is compiled at its first request: ~0.6 s less per start.
  // The parsed document, not its path: http/openapi-document.ts.
  const api = new OpenAPIBackend({ definition: loadOpenApiDocument(REKOR_SPEC), coerceTypes: true, apiRoot: '/', quick: true, customizeAjv: addSchemaFormats });
  api.register({
    ...labelled,
    validationFail: (c: Context, req: Request, res: Response) => {
      res.locals.operation = c.operation?.operationId ?? 'invalid';
      requireBody(c, req);
      throw noteDroppedNulls(new SealhouseError('schema_violation', validationMessage(c.validation.errors ?? [], c.request.requestBody)), res.locals.droppedNulls as string[] | undefined);
    },
    notFound: (_c, _req, res: Response) => void res.status(404).json({ code: 404, message: 'no such API path' }),
    methodNotAllowed: (_c, req: Request, res: Response) =>
      void res.status(405).json({ code: 405, message: `method ${req.method} is not allowed on ${req.originalUrl.split('?')[0] ?? req.path}` }),
  });
  await api.init();
  // Go clients' `null` members and undeclared query parameters mean what they mean to Rekor.
  acceptGoClientShapes(api, (paths, _req, res) => void ((res as Response).locals.droppedNulls = paths));
  // openapi-backend rebuilds its operation list (lodash over the whole definition) twice per
  // request; the definition never changes after init, so build it once. Measured: ≈ 5% of the
  // server's CPU at 2,000 entries/s (bench/http-bench.ts).
  const operations = api.router.getOperations();
  api.router.getOperations = () => operations;
  createLogEntryShortcuts.set(api, (req, res, next) => {
    if (!schemaCertainlyAccepts(req, res)) return next();
    res.locals.operation = 'createLogEntry';
    createLogEntry(req.body, req, res).catch(next);
  });
  return api;
}

/**
 * POST /api/v1/log/entries without openapi-backend, for the requests its routing and validation
 * would pass unchanged. Routing, Go-client shape handling (a walk of the body) and ajv cost
 * ≈ 190 µs of the JavaScript thread per entry (bench/http-bench.ts BENCH_PROFILE), and that
 * thread is the server's write limit. Anything else (an unparsed body, a query string, a
 * `null` member, a type the schema would coerce or refuse) goes the usual way, so every 4xx
 * keeps the schema's wording; the entry type checks the spec either way.
 */
const createLogEntryShortcuts = new WeakMap<OpenAPIBackend, RequestHandler>();

/** The shortcut for an API made by createRekorApi (app.ts mounts it ahead of the API router). */
export function createLogEntryShortcut(api: OpenAPIBackend): RequestHandler | undefined {
  return createLogEntryShortcuts.get(api);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** No member anywhere is `null` (go-client-shapes.ts would drop it and may explain an error with it). */
function hasNoNullMember(value: unknown): boolean {
  const pending: unknown[] = [value];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
      continue;
    }
    for (const key in node) {
      if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
      const member = (node as Record<string, unknown>)[key];
      if (member === null) return false;
      pending.push(member);
    }
  }
  return true;
}

/**
 * True only when openapi-backend would route this request to createLogEntry and its
 * ProposedEntry schema (openapi/rekor.yaml: an object, `kind` a string, `apiVersion` a string,
 * `spec` an object) would accept the body as it is, without coercion.
 */
export function schemaCertainlyAccepts(req: Pick<Request, 'method' | 'originalUrl' | 'body'>, res: Pick<Response, 'locals'>): boolean {
  if (req.method !== 'POST' || req.originalUrl !== '/api/v1/log/entries' || bodyError(res) !== undefined) return false;
  const body: unknown = req.body;
  if (!isPlainObject(body) || typeof body.kind !== 'string') return false;
  if (body.apiVersion !== undefined && typeof body.apiVersion !== 'string') return false;
  if (body.spec !== undefined && !isPlainObject(body.spec)) return false;
  return hasNoNullMember(body);
}
