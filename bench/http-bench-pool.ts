/**
 * Pre-built request bodies for bench/http-bench.ts: hashedrekord 0.0.1 entries (rekor-api.md
 * §2.1) with unique artifacts and valid ECDSA P-256 signatures, made before the timed runs so
 * that the load generator only copies bytes while the server does the real work (JSON, PEM and
 * signature checks, canonicalization, the commit).
 *
 *   {"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256",
 *    "value":"<hex>"}},"signature":{"content":"<b64 DER>","publicKey":{"content":"<b64 PEM>"}}}}
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

interface Signer {
  readonly privateKey: KeyObject;
  readonly pemB64: string;
}

/** How many distinct signing keys the entries rotate through (clients rarely share keys). */
const KEYS = 64;

export class EntryPool {
  private readonly signers: Signer[] = [];
  private readonly bodies: Buffer[] = [];
  private cursor = 0;
  private made = 0;
  /** Differs per process, so two benchmark runs never submit the same artifact. */
  private readonly salt = randomBytes(8).toString('hex');

  constructor() {
    for (let i = 0; i < KEYS; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
      this.signers.push({ privateKey, pemB64: Buffer.from(pem).toString('base64') });
    }
  }

  get available(): number {
    return this.bodies.length - this.cursor;
  }

  /** Make sure at least `count` unused bodies are ready (signing ≈ 25,000/s per core). */
  ensure(count: number): void {
    if (this.cursor > 0) {
      this.bodies.splice(0, this.cursor);
      this.cursor = 0;
    }
    while (this.bodies.length < count) this.bodies.push(this.make(this.made++));
  }

  /** Bodies signed inside a timed run because the pool ran dry (the estimate was too low). */
  lateMade = 0;

  /** The next unused body, never a duplicate; signed on the spot if the pool ran dry. */
  next(): Buffer {
    const body = this.bodies[this.cursor];
    if (body !== undefined) {
      this.cursor++;
      return body;
    }
    this.lateMade++;
    return this.make(this.made++);
  }

  private make(n: number): Buffer {
    const signer = this.signers[n % KEYS] as Signer;
    const artifact = Buffer.from(`sealhouse http bench ${this.salt} artifact ${n}`);
    const digest = createHash('sha256').update(artifact).digest('hex');
    const signature = sign('sha256', artifact, signer.privateKey).toString('base64');
    return Buffer.from(
      `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"${digest}"}},` +
        `"signature":{"content":"${signature}","publicKey":{"content":"${signer.pemB64}"}}}}`,
    );
  }
}
