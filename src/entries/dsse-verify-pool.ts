/**
 * DSSE signature matching off the main thread. Within the limits of dsse-envelope.ts one entry
 * can still cost up to SIGNATURE_CHECK_BUDGET units (measured: ~45 ms for P-521 on the loaded
 * 2-core machine), during which every other request would wait; so matching that could cost
 * more than INLINE_UP_TO units goes to one lazily started worker thread. The common case (one
 * signature, one key: 1-20 units, under a millisecond for P-256) stays inline, since a thread
 * hop costs more than that.
 *
 * Why not the CA's CryptoWorkers or the SET signer's worker: both are built around a private
 * key of their own service and are not reachable from the entry types (the log runs without a
 * CA); this worker holds no key and starts only when a costly envelope arrives. Like them, it is
 * an optimisation: if it cannot start or dies, matching runs inline. Jobs beyond MAX_PENDING
 * are refused with 503, so a flood of costly envelopes cannot queue unbounded work.
 */
import { Worker } from 'node:worker_threads';
import { SealhouseError, type ErrorCode } from '../errors.js';
import { checkSignatureCount, type DsseEnvelope, matchIndexes, type MatchKey, pae, worstCaseCost } from './dsse-envelope.js';
import type { MatchAnswer, MatchJob } from './dsse-verify-worker.js';
import type { VerifierMaterial } from './keys.js';

const INLINE_UP_TO = 20;
const MAX_PENDING = 64;

interface Pending {
  readonly job: MatchJob;
  resolve: (indexes: number[]) => void;
  reject: (err: Error) => void;
}

let worker: Worker | undefined;
let failed = false;
const pending = new Map<number, Pending>();
let nextId = 0;
let workerJobs = 0;

/** How many matchings were answered by the worker (for tests and diagnostics). */
export function dsseWorkerJobs(): number {
  return workerJobs;
}

function settle(p: Pending, answer: MatchAnswer): void {
  if ('indexes' in answer) p.resolve(answer.indexes);
  else p.reject(new SealhouseError((answer.error.code as ErrorCode | undefined) ?? 'internal', answer.error.message));
}

function inline(p: Pending, keys: readonly MatchKey[] | undefined): void {
  try {
    if (!keys) throw new SealhouseError('internal', 'DSSE verification worker stopped');
    p.resolve(matchIndexes(Buffer.from(p.job.message), p.job.signatures.map((s) => ({ sig: s.sig, bytes: Buffer.from(s.bytes) })), keys, p.job.hints));
  } catch (err) {
    p.reject(err as Error);
  }
}

const inlineKeys = new Map<number, readonly MatchKey[]>();

function abandon(): void {
  worker = undefined;
  failed = true;
  for (const [id, p] of pending) {
    pending.delete(id);
    inline(p, inlineKeys.get(id));
    inlineKeys.delete(id);
  }
}

function start(): Worker | undefined {
  if (worker || failed) return worker;
  try {
    const w = new Worker(new URL('./dsse-verify-worker.js', import.meta.url));
    w.on('message', (answer: MatchAnswer) => {
      const p = pending.get(answer.id);
      pending.delete(answer.id);
      inlineKeys.delete(answer.id);
      if (pending.size === 0) w.unref();
      if (p) {
        workerJobs++;
        settle(p, answer);
      }
    });
    w.on('error', abandon);
    w.on('exit', abandon);
    w.unref();
    worker = w;
  } catch {
    failed = true;
  }
  return worker;
}

/** matchIndexes, in the worker when it could cost more than INLINE_UP_TO budget units. */
export async function matchIndexesOffThread(
  message: Buffer,
  signatures: readonly { readonly sig: string; readonly bytes: Buffer }[],
  keys: readonly MatchKey[],
  hints: readonly (number | undefined)[],
): Promise<number[]> {
  if (worstCaseCost(signatures.length, keys) <= INLINE_UP_TO) return matchIndexes(message, signatures, keys, hints);
  const w = start();
  if (!w) return matchIndexes(message, signatures, keys, hints);
  if (pending.size >= MAX_PENDING) throw new SealhouseError('unavailable', 'too many DSSE signature verifications are in progress; retry shortly');
  const id = nextId++;
  const job: MatchJob = {
    id,
    message,
    signatures: signatures.map((s) => ({ sig: s.sig, bytes: s.bytes })),
    keys: keys.map((k) => ({ id: k.id, spki: k.key.spki, algorithm: k.key.algorithm, ...(k.key.curve === undefined ? {} : { curve: k.key.curve }), ...(k.key.rsaBits === undefined ? {} : { rsaBits: k.key.rsaBits }) })),
    hints,
  };
  return new Promise<number[]>((resolve, reject) => {
    pending.set(id, { job, resolve, reject });
    inlineKeys.set(id, keys);
    // While an answer is owed, the worker holds the event loop open like pending I/O would.
    w.ref();
    w.postMessage(job);
  });
}

/**
 * For each distinct signature, a verifier whose key verifies it over the PAE (matchIndexes);
 * `hints` default to the verifier at the signature's own position.
 */
export async function matchSignatures(
  env: DsseEnvelope,
  verifiers: readonly VerifierMaterial[],
  hints: readonly (number | undefined)[] = env.signatures.map((_, i) => i),
): Promise<Map<string, VerifierMaterial>> {
  checkSignatureCount(env.signatures.length, 'the DSSE envelope');
  const keys = verifiers.map((v) => ({ key: v.key, id: v.canonicalPem }));
  const indexes = await matchIndexesOffThread(pae(env.payloadType, env.payload), env.signatures, keys, hints);
  const matched = new Map<string, VerifierMaterial>();
  env.signatures.forEach((s, i) => {
    if (!matched.has(s.sig)) matched.set(s.sig, verifiers[indexes[i] as number] as VerifierMaterial);
  });
  return matched;
}
