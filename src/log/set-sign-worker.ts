/**
 * Worker thread that signs SETs for a batch (see set-signer.ts for why). It receives the log's
 * private key once as PKCS#8 DER (WorkerPool init), then batches of bodies with consecutive
 * indexes, and answers with the DER signatures in order.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { serveJobs } from '../workers/worker-main.js';
import { signSet } from './set.js';

export interface SignJob {
  readonly bodies: readonly Uint8Array[];
  readonly firstIndex: number;
  readonly integratedTime: number;
  readonly logIdHex: string;
}

const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** The job itself, shared with the inline path on the main thread. */
export function signBatch(job: SignJob, key: KeyObject): Buffer[] {
  return job.bodies.map((body, i) =>
    signSet({ body: buf(body), integratedTime: job.integratedTime, logIdHex: job.logIdHex, logIndex: job.firstIndex + i }, key),
  );
}

serveJobs<SignJob, Uint8Array[]>((init) => {
  if (!(init instanceof Uint8Array)) throw new Error('no signing key was sent to the SET worker');
  const key = createPrivateKey({ key: Buffer.from(init), format: 'der', type: 'pkcs8' });
  return (job) => signBatch(job, key);
});
