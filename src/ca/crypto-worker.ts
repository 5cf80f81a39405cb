/**
 * Worker thread for the CA's per-certificate crypto (see crypto-workers.ts for why): signing
 * TBSCertificates with the issuing CA key, and checking a request's proof of possession
 * (parse and vet the key, verify the signature or CSR). It receives the CA key once as PKCS#8
 * DER; answers carry a signature, a proven key, or the SealhouseError code and message to rethrow.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { isSealhouseError } from '../errors.js';
import { type PublicKeyProofRequest, verifyCsrProof, verifyPublicKeyProof } from './pop.js';
import { signatureAlgorithmFor, signatureOver, type SignatureAlgorithm } from './x509-sign.js';

export type CryptoJob =
  | { readonly kind: 'sign'; readonly tbs: Uint8Array }
  | { readonly kind: 'pop'; readonly request: PublicKeyProofRequest; readonly allowed: readonly string[] }
  | { readonly kind: 'csr'; readonly csr: string | Uint8Array; readonly allowed: readonly string[] };

export type CryptoAnswer =
  | { readonly signature: Uint8Array }
  | { readonly spki: Uint8Array; readonly algorithm: string }
  | { readonly error: { readonly code?: string; readonly message: string } };

export type CryptoWorkerMessage = { readonly key: Uint8Array } | { readonly id: number; readonly job: CryptoJob };

let signing: { key: KeyObject; alg: SignatureAlgorithm } | undefined;

/** The job itself, shared with the inline fallback on the main thread. */
export function runCryptoJob(job: CryptoJob, ca: { key: KeyObject; alg: SignatureAlgorithm } | undefined): CryptoAnswer {
  if (job.kind === 'sign') {
    if (!ca) throw new Error('no CA key was sent to the worker');
    return { signature: signatureOver(Buffer.from(job.tbs.buffer, job.tbs.byteOffset, job.tbs.byteLength), ca.key, ca.alg) };
  }
  const proven = job.kind === 'pop' ? verifyPublicKeyProof(job.request, job.allowed) : verifyCsrProof(job.csr, job.allowed);
  return { spki: proven.spki, algorithm: proven.algorithm };
}

parentPort?.on('message', (message: CryptoWorkerMessage) => {
  if ('key' in message) {
    const key = createPrivateKey({ key: Buffer.from(message.key), format: 'der', type: 'pkcs8' });
    signing = { key, alg: signatureAlgorithmFor(key) };
    return;
  }
  let answer: CryptoAnswer;
  try {
    answer = runCryptoJob(message.job, signing);
  } catch (err) {
    answer = { error: { ...(isSealhouseError(err) ? { code: err.code } : {}), message: (err as Error).message } };
  }
  parentPort?.postMessage({ id: message.id, answer });
});
