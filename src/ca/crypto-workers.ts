/**
 * The CA's per-certificate crypto off the main thread. Each certificate costs two signatures by
 * the P-384 issuing key (precert and final; OpenSSL manages about 1,700 P-384 signatures per
 * second per core on the 2-core reference machine) plus parsing the requester's key and checking
 * its proof of possession (~0.2 ms in node:crypto). Inline, that capped issuance near 450/s
 * with the main thread saturated; in worker threads it runs beside the HTTP, token and database
 * work of the main thread (bench/ca-bench.ts).
 *
 * If a worker cannot start or dies, its jobs run inline instead: a worker is an optimisation,
 * never a reason to fail an issuance.
 */
import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SealhouseError, type ErrorCode } from '../errors.js';
import { type CryptoAnswer, type CryptoJob, runCryptoJob } from './crypto-worker.js';
import type { PublicKeyProofRequest } from './pop.js';
import { signatureAlgorithmFor, type SignatureAlgorithm } from './x509-sign.js';

/** What a proof of possession establishes: the key to certify and its algorithm name. */
export interface ProvenKeyInfo {
  readonly spki: Buffer;
  readonly algorithm: string;
}

interface Pending {
  readonly job: CryptoJob;
  readonly worker: Worker;
  resolve: (answer: CryptoAnswer) => void;
}

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export class CryptoWorkers {
  private readonly ca: { key: KeyObject; alg: SignatureAlgorithm };
  private workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /**
   * `workers`: how many threads. One per core (up to four): the main thread mostly waits on
   * sockets and Postgres, and on the 2-core machine two workers beat one under mixed load.
   */
  constructor(caKey: KeyObject, workers = Math.min(4, availableParallelism())) {
    this.ca = { key: caKey, alg: signatureAlgorithmFor(caKey) };
    for (let i = 0; i < workers; i++) this.startWorker();
  }

  private startWorker(): void {
    try {
      const worker = new Worker(new URL('./crypto-worker.js', import.meta.url));
      worker.postMessage({ key: this.ca.key.export({ format: 'der', type: 'pkcs8' }) });
      worker.on('message', (msg: { id: number; answer: CryptoAnswer }) => {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (!p) return;
        this.idle(worker);
        p.resolve(msg.answer);
      });
      const abandon = (): void => this.abandon(worker);
      worker.on('error', abandon);
      worker.on('exit', abandon);
      worker.unref();
      this.workers.push(worker);
    } catch {
      // No worker: jobs run inline.
    }
  }

  /** An idle worker must not keep the process alive; a busy one must (see run()). */
  private idle(worker: Worker): void {
    for (const p of this.pending.values()) if (p.worker === worker) return;
    worker.unref();
  }

  /** A worker is gone: run whatever it still owed inline. */
  private abandon(worker: Worker): void {
    this.workers = this.workers.filter((w) => w !== worker);
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      p.resolve(this.inline(p.job));
    }
  }

  private inline(job: CryptoJob): CryptoAnswer {
    try {
      return runCryptoJob(job, this.ca);
    } catch (err) {
      return { error: { ...(err instanceof SealhouseError ? { code: err.code } : {}), message: (err as Error).message } };
    }
  }

  private async run(job: CryptoJob): Promise<CryptoAnswer> {
    const worker = this.workers[this.nextId % Math.max(1, this.workers.length)];
    if (!worker) return this.inline(job);
    const id = this.nextId++;
    return new Promise<CryptoAnswer>((resolve) => {
      this.pending.set(id, { job, worker, resolve });
      // While an answer is owed, the worker holds the event loop open like any pending I/O would.
      worker.ref();
      worker.postMessage({ id, job });
    });
  }

  private static unwrap(answer: CryptoAnswer): CryptoAnswer {
    if ('error' in answer) throw new SealhouseError((answer.error.code as ErrorCode | undefined) ?? 'internal', answer.error.message);
    return answer;
  }

  /** The raw signature over `tbs` by the issuing CA key (wrap it with assembleCertificate). */
  async sign(tbs: Buffer): Promise<Buffer> {
    const answer = CryptoWorkers.unwrap(await this.run({ kind: 'sign', tbs }));
    if (!('signature' in answer)) throw new SealhouseError('internal', 'crypto worker answered a signing job without a signature');
    return toBuffer(answer.signature);
  }

  /** verifyPublicKeyProof (pop.ts), in a worker. */
  async provePublicKey(request: PublicKeyProofRequest, allowed: readonly string[]): Promise<ProvenKeyInfo> {
    return CryptoWorkers.proven(await this.run({ kind: 'pop', request, allowed }));
  }

  /** verifyCsrProof (pop.ts), in a worker. */
  async proveCsr(csr: string | Uint8Array, allowed: readonly string[]): Promise<ProvenKeyInfo> {
    return CryptoWorkers.proven(await this.run({ kind: 'csr', csr, allowed }));
  }

  private static proven(raw: CryptoAnswer): ProvenKeyInfo {
    const answer = CryptoWorkers.unwrap(raw);
    if (!('spki' in answer)) throw new SealhouseError('internal', 'crypto worker answered a proof job without a key');
    return { spki: toBuffer(answer.spki), algorithm: answer.algorithm };
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.resolve(this.inline(p.job));
    }
  }
}
