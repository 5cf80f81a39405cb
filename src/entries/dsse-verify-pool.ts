/**
 * DSSE signature matching off the main thread. Within the limits of dsse-envelope.ts one entry
 * can still cost up to SIGNATURE_CHECK_BUDGET units (measured: ~45 ms for P-521 on the loaded
 * 2-core machine), during which every other request would wait; so matching that could cost
 * more than INLINE_UP_TO units goes to one lazily started worker thread. The common case (one
 * signature, one key: 1-20 units, under a millisecond for P-256) stays inline, since a thread
 * hop costs more than that.
 *
 * It is a WorkerPool of its own rather than a share of the CA's or the SET signer's threads:
 * those hold their service's private key and are not reachable from the entry types (the log
 * runs without a CA); this one holds no key and starts only when a costly envelope arrives. As
 * with every pool, matching runs inline if the worker cannot start or dies, and jobs beyond
 * MAX_PENDING are refused with 503 + Retry-After, so a flood of costly envelopes cannot queue
 * unbounded work.
 */
import { WorkerPool } from '../workers/worker-pool.js';
import { checkSignatureCount, type DsseEnvelope, matchIndexes, type MatchKey, pae, worstCaseCost } from './dsse-envelope.js';
import { type MatchJob, runMatchJob } from './dsse-verify-worker.js';
import type { VerifierMaterial } from './keys.js';

const INLINE_UP_TO = 20;
const MAX_PENDING = 64;

/** One lazily started thread, holding no key; the inline fallback rebuilds the keys from SPKI. */
const pool = new WorkerPool<MatchJob, number[]>({
  name: 'DSSE signature verification',
  script: new URL('./dsse-verify-worker.js', import.meta.url),
  size: 1,
  maxQueue: MAX_PENDING,
  lazy: true,
  inline: runMatchJob,
});

/** How many matchings were answered by the worker (for tests and diagnostics). */
export function dsseWorkerJobs(): number {
  return pool.workerAnswers;
}

/** How many worker threads came online (for tests: evidence that a thread really ran). */
export function dsseWorkersStarted(): number {
  return pool.started;
}

/** matchIndexes, in the worker when it could cost more than INLINE_UP_TO budget units. */
export async function matchIndexesOffThread(
  message: Buffer,
  signatures: readonly { readonly sig: string; readonly bytes: Buffer }[],
  keys: readonly MatchKey[],
  hints: readonly (number | undefined)[],
): Promise<number[]> {
  if (worstCaseCost(signatures.length, keys) <= INLINE_UP_TO) return matchIndexes(message, signatures, keys, hints);
  return pool.run({
    message,
    signatures: signatures.map((s) => ({ sig: s.sig, bytes: s.bytes })),
    keys: keys.map((k) => ({ id: k.id, spki: k.key.spki, algorithm: k.key.algorithm, ...(k.key.curve === undefined ? {} : { curve: k.key.curve }), ...(k.key.rsaBits === undefined ? {} : { rsaBits: k.key.rsaBits }) })),
    hints,
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
