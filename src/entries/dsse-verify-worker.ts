/**
 * Worker thread for DSSE signature matching (see dsse-verify-pool.ts for why). Each job carries
 * the PAE, the signatures and the verifier keys as SPKI DER (already validated from their bytes
 * on the main thread, so making KeyObjects of them here is safe), and is answered with the
 * verifier index per signature or the SealhouseError code and message to rethrow.
 */
import { createPublicKey } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { isSealhouseError } from '../errors.js';
import { matchIndexes, type MatchKey } from './dsse-envelope.js';
import type { EcdsaCurve, PublicKeyInfo } from './keys.js';

export interface WireKey {
  readonly id: string;
  readonly spki: Uint8Array;
  readonly algorithm: PublicKeyInfo['algorithm'];
  readonly curve?: EcdsaCurve;
  readonly rsaBits?: number;
}

export interface MatchJob {
  readonly id: number;
  readonly message: Uint8Array;
  readonly signatures: readonly { readonly sig: string; readonly bytes: Uint8Array }[];
  readonly keys: readonly WireKey[];
  readonly hints: readonly (number | undefined)[];
}

export type MatchAnswer = { readonly id: number; readonly indexes: number[] } | { readonly id: number; readonly error: { readonly code?: string; readonly message: string } };

const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export function runMatchJob(job: Omit<MatchJob, 'id'>): number[] {
  const keys: MatchKey[] = job.keys.map((k) => {
    const spki = buf(k.spki);
    const key: PublicKeyInfo = {
      keyObject: createPublicKey({ key: spki, format: 'der', type: 'spki' }),
      spki,
      algorithm: k.algorithm,
      ...(k.curve === undefined ? {} : { curve: k.curve }),
      ...(k.rsaBits === undefined ? {} : { rsaBits: k.rsaBits }),
    };
    return { id: k.id, key };
  });
  return matchIndexes(buf(job.message), job.signatures.map((s) => ({ sig: s.sig, bytes: buf(s.bytes) })), keys, job.hints);
}

parentPort?.on('message', (job: MatchJob) => {
  let answer: MatchAnswer;
  try {
    answer = { id: job.id, indexes: runMatchJob(job) };
  } catch (err) {
    answer = { id: job.id, error: { ...(isSealhouseError(err) ? { code: err.code } : {}), message: (err as Error).message } };
  }
  parentPort?.postMessage(answer);
});
