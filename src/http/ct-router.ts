/**
 * The CT log's HTTP API, RFC 6962 §4 (https://www.rfc-editor.org/rfc/rfc6962#section-4), under
 * `<prefix>/ct/v1/` (shard N ≥ 2 of a rotated log under `<prefix>/shards/N/ct/v1/`): add-chain, add-pre-chain, get-sth, get-sth-consistency, get-proof-by-hash,
 * get-entries, get-roots and get-entry-and-proof. Binary values are base64; numbers are decimal
 * query parameters. Errors are plain text like the Go CT front end's (`http.Error`):
 *
 *   400 text/plain  "Bad Request\nstart (9) is beyond the last entry (tree size 4)\n"
 *
 * It lives in http/ with the other routers: the CT log (ct/) must not import http (DESIGN §2).
 */
import { bufferOf } from '../buffer-view.js';
import { tryDecodeBase64 } from '../core/base64.js';
import { STATUS_CODES } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { CtLog } from '../ct/ct-log.js';
import type { CtShard } from '../ct/ct-shard.js';
import { sthToJson } from '../ct/ct-wire.js';
import { sctToJson } from '../ct/sct.js';
import { SealhouseError } from '../errors.js';
import { toHttpError } from './error-map.js';
import { retryAfterSeconds } from './retry-after.js';
import { bodyError } from './json-body.js';

export interface CtRouterDeps {
  readonly ct: CtLog;
  /** Path prefix before `/ct/v1`, '' or e.g. `/test` (SEALHOUSE_CT_PREFIX). */
  readonly prefix: string;
  readonly draining: () => boolean;
  readonly logger?: Logger;
}

/** More than any real chain needs; a bound on the work one request can cause. */
const MAX_CHAIN = 10;
const b64 = (b: Buffer): string => b.toString('base64');
const bad = (why: string): SealhouseError => new SealhouseError('invalid_input', why);

function param(req: Request, name: string): number {
  const raw = req.query[name];
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw bad(`query parameter ${name} must be a non-negative decimal integer`);
  return Number(raw);
}

function base64Param(raw: unknown, what: string): Buffer {
  const bytes = typeof raw === 'string' && raw.length > 0 ? tryDecodeBase64(raw, 'standard') : undefined;
  if (bytes === undefined) throw bad(`${what} must be standard base64`);
  return bufferOf(bytes);
}

/** `{"chain": ["<b64 DER>", …]}`, leaf first. */
function chainOf(body: unknown): Buffer[] {
  const chain = (body as { chain?: unknown } | undefined)?.chain;
  if (!Array.isArray(chain) || chain.length === 0) throw bad('the body must be {"chain": ["<base64 DER certificate>", …]} with at least one certificate');
  if (chain.length > MAX_CHAIN) throw bad(`a chain of more than ${MAX_CHAIN} certificates is not accepted`);
  return chain.map((c, i) => base64Param(c, `chain[${i}]`));
}

/**
 * Which shard a request is for (storage/shard-paths.ts): the base path is shard 1, the log's
 * first tree, so every URL a client held before any rotation keeps its meaning;
 * `<prefix>/shards/N/ct/v1/…` is shard N ≥ 2.
 */
async function shardOf(ct: CtLog, req: Request): Promise<CtShard> {
  const raw = (req.params as { shard?: string }).shard;
  const ordinal = raw === undefined ? 1 : /^[1-9]\d{0,8}$/.test(raw) && raw !== '1' ? Number(raw) : undefined;
  const shard = ordinal === undefined ? undefined : await ct.shard(ordinal);
  if (!shard) throw new SealhouseError('not_found', `this CT log has no shard ${raw ?? '1'}`);
  return shard;
}

export function createCtRouter(deps: CtRouterDeps): express.Router {
  const { ct } = deps;
  const router = express.Router();
  const prefix = deps.prefix.replace(/\/+$/, '');
  // core/shard-paths.ts's layout as route patterns: shard 1 at the prefix, shard N under /shards/N.
  const bases = [`${prefix}/ct/v1`, `${prefix}/shards/:shard/ct/v1`];
  const route = (method: 'GET' | 'POST', name: string, fn: (req: Request, res: Response) => Promise<unknown> | unknown): void => {
    router.all(
      bases.map((base) => `${base}/${name}`),
      async (req, res, next) => {
        res.locals.operation = `ct-${name}`;
        if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) {
          return void res.status(405).set('Allow', method).type('text/plain').send(`Method Not Allowed\n${name} takes ${method}\n`);
        }
        try {
          if (bodyError(res) !== undefined) throw bodyError(res);
          const body = await fn(req, res);
          if (body !== undefined) res.json(body);
        } catch (err) {
          next(err);
        }
      },
    );
  };
  // Submissions at any shard's path go to the shard in use: one queued across a rotation must
  // not fail, and the SCT names the log (key) that logged it, which the trusted root lists.
  const submit = async (req: Request, kind: 'addChain' | 'addPreChain'): Promise<unknown> => {
    if (deps.draining()) throw new SealhouseError('unavailable', 'the log is shutting down and accepts no new entries');
    await shardOf(ct, req);
    return sctToJson(await ct[kind](chainOf(req.body)));
  };

  route('POST', 'add-chain', (req) => submit(req, 'addChain'));
  route('POST', 'add-pre-chain', (req) => submit(req, 'addPreChain'));
  route('GET', 'get-sth', async (req) => sthToJson(await (await shardOf(ct, req)).sth()));
  route('GET', 'get-sth-consistency', async (req) => ({ consistency: (await (await shardOf(ct, req)).consistency(param(req, 'first'), param(req, 'second'))).map(b64) }));
  route('GET', 'get-proof-by-hash', async (req) => {
    const proof = await (await shardOf(ct, req)).proofByHash(base64Param(req.query.hash, 'hash'), param(req, 'tree_size'));
    return { leaf_index: proof.leafIndex, audit_path: proof.auditPath.map(b64) };
  });
  route('GET', 'get-entries', async (req) => ({
    entries: (await (await shardOf(ct, req)).entries(param(req, 'start'), param(req, 'end'))).map((e) => ({ leaf_input: b64(e.leafInput), extra_data: b64(e.extraData) })),
  }));
  route('GET', 'get-roots', () => ({ certificates: ct.roots.map(b64) }));
  route('GET', 'get-entry-and-proof', async (req) => {
    const { entry, auditPath } = await (await shardOf(ct, req)).entryAndProof(param(req, 'leaf_index'), param(req, 'tree_size'));
    return { leaf_input: b64(entry.leafInput), extra_data: b64(entry.extraData), audit_path: auditPath.map(b64) };
  });

  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = res.locals.requestId as string | undefined;
    const http = toHttpError(err, requestId);
    if (http.status >= 500) deps.logger?.error({ err: http.cause, path: req.path, requestId }, 'CT request failed');
    if (res.headersSent) return void res.end();
    if (http.status === 503) res.set('Retry-After', String(retryAfterSeconds(err)));
    res.status(http.status).type('text/plain').send(`${STATUS_CODES[http.status] ?? 'Error'}\n${http.message}\n`);
  });
  return router;
}
