/**
 * The CA's per-certificate crypto off the main thread. Each certificate costs two signatures by
 * the P-384 issuing key (precert and final; OpenSSL manages about 1,700 P-384 signatures per
 * second per core on the 2-core reference machine) plus parsing the requester's key and checking
 * its proof of possession (~0.2 ms in node:crypto). Inline, that capped issuance near 450/s
 * with the main thread saturated; in worker threads it runs beside the HTTP, token and database
 * work of the main thread (bench/ca-bench.ts).
 *
 * The threads are a WorkerPool: if one cannot start or dies, its jobs run inline; more than
 * MAX_QUEUE jobs owed at once are refused with 503 + Retry-After.
 */
import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { SealhouseError } from '../errors.js';
import { WorkerPool } from '../workers/worker-pool.js';
import { type CryptoAnswer, type CryptoJob, runCryptoJob } from './crypto-worker.js';
import type { PublicKeyProofRequest } from './pop.js';
import { signatureAlgorithmFor } from './x509-sign.js';

/** What a proof of possession establishes: the key to certify and its algorithm name. */
export interface ProvenKeyInfo {
  readonly spki: Buffer;
  readonly algorithm: string;
}

/** Three jobs per certificate; this admits a few hundred issuances in flight. */
const MAX_QUEUE = 1024;

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export class CryptoWorkers {
  private readonly pool: WorkerPool<CryptoJob, CryptoAnswer>;

  /**
   * `workers`: how many threads. One per core (up to four): the main thread mostly waits on
   * sockets and Postgres, and on the 2-core machine two workers beat one under mixed load.
   */
  constructor(caKey: KeyObject, workers = Math.min(4, availableParallelism()), maxQueue = MAX_QUEUE) {
    const ca = { key: caKey, alg: signatureAlgorithmFor(caKey) };
    this.pool = new WorkerPool<CryptoJob, CryptoAnswer>({
      name: 'certificate signing',
      script: new URL('./crypto-worker.js', import.meta.url),
      size: workers,
      maxQueue,
      init: caKey.export({ format: 'der', type: 'pkcs8' }),
      inline: (job) => runCryptoJob(job, ca),
    });
  }

  /** Threads started and jobs they answered (tests and diagnostics). */
  get stats(): { readonly started: number; readonly workerAnswers: number } {
    return { started: this.pool.started, workerAnswers: this.pool.workerAnswers };
  }

  /** The raw signature over `tbs` by the issuing CA key (wrap it with assembleCertificate). */
  async sign(tbs: Buffer): Promise<Buffer> {
    const answer = await this.pool.run({ kind: 'sign', tbs });
    if (!('signature' in answer)) throw new SealhouseError('internal', 'crypto worker answered a signing job without a signature');
    return toBuffer(answer.signature);
  }

  /** verifyPublicKeyProof (pop.ts), in a worker. */
  async provePublicKey(request: PublicKeyProofRequest, allowed: readonly string[]): Promise<ProvenKeyInfo> {
    return CryptoWorkers.proven(await this.pool.run({ kind: 'pop', request, allowed }));
  }

  /** verifyCsrProof (pop.ts), in a worker. */
  async proveCsr(csr: string | Uint8Array, allowed: readonly string[]): Promise<ProvenKeyInfo> {
    return CryptoWorkers.proven(await this.pool.run({ kind: 'csr', csr, allowed }));
  }

  private static proven(answer: CryptoAnswer): ProvenKeyInfo {
    if (!('spki' in answer)) throw new SealhouseError('internal', 'crypto worker answered a proof job without a key');
    return { spki: toBuffer(answer.spki), algorithm: answer.algorithm };
  }

  /** Wait for owed answers, stop the threads; later jobs run inline. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
