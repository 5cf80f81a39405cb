/**
 * Worker thread for the CA's per-certificate crypto (see crypto-workers.ts for why): signing
 * TBSCertificates with the issuing CA key, and checking a request's proof of possession
 * (parse and vet the key, verify the signature or CSR). It receives the CA key once as PKCS#8
 * DER (WorkerPool init); a refusal travels back as its SealhouseError code and message.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { serveJobs } from '../workers/worker-main.js';
import { type PublicKeyProofRequest, verifyCsrProof, verifyPublicKeyProof } from './pop.js';
import { signatureAlgorithmFor, signatureOver, type SignatureAlgorithm } from './x509-sign.js';

export type CryptoJob =
  | { readonly kind: 'sign'; readonly tbs: Uint8Array }
  | { readonly kind: 'pop'; readonly request: PublicKeyProofRequest; readonly allowed: readonly string[] }
  | { readonly kind: 'csr'; readonly csr: string | Uint8Array; readonly allowed: readonly string[] };

export type CryptoAnswer = { readonly signature: Uint8Array } | { readonly spki: Uint8Array; readonly algorithm: string };

export interface CaSigningKey {
  readonly key: KeyObject;
  readonly alg: SignatureAlgorithm;
}

/** The job itself, shared with the inline fallback on the main thread. */
export function runCryptoJob(job: CryptoJob, ca: CaSigningKey): CryptoAnswer {
  if (job.kind === 'sign') {
    return { signature: signatureOver(Buffer.from(job.tbs.buffer, job.tbs.byteOffset, job.tbs.byteLength), ca.key, ca.alg) };
  }
  const proven = job.kind === 'pop' ? verifyPublicKeyProof(job.request, job.allowed) : verifyCsrProof(job.csr, job.allowed);
  return { spki: proven.spki, algorithm: proven.algorithm };
}

serveJobs<CryptoJob, CryptoAnswer>((init) => {
  if (!(init instanceof Uint8Array)) throw new Error('no CA key was sent to the crypto worker');
  const key = createPrivateKey({ key: Buffer.from(init), format: 'der', type: 'pkcs8' });
  const ca = { key, alg: signatureAlgorithmFor(key) };
  return (job) => runCryptoJob(job, ca);
});
