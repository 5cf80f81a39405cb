/**
 * Worker thread for DSSE signature matching (see dsse-verify-pool.ts for why). Each job carries
 * the PAE, the signatures and the verifier keys as SPKI DER (already validated from their bytes
 * on the main thread, so making KeyObjects of them here is safe), and is answered with the
 * verifier index per signature (a refusal travels back through WorkerPool as its code and message).
 */
import { createPublicKey } from 'node:crypto';
import { serveJobs } from '../workers/worker-main.js';
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
  readonly message: Uint8Array;
  readonly signatures: readonly { readonly sig: string; readonly bytes: Uint8Array }[];
  readonly keys: readonly WireKey[];
  readonly hints: readonly (number | undefined)[];
}

const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export function runMatchJob(job: MatchJob): number[] {
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

serveJobs<MatchJob, number[]>(() => runMatchJob);
