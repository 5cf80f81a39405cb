/**
 * Rekor v2 CreateEntryRequest bodies (hashedRekordRequestV002, rekor-api.md) with unique digests
 * and valid ECDSA P-256 signatures, made before timed runs as bench/http-bench-pool.ts makes the
 * v1 ones: used by bench/rekor-v2-bench.ts and the peer benchmark (bench/peer/).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/** v2 CreateEntryRequests with unique digests, signed before the timed runs (64 P-256 keys, as the v1 pool). */
export class V2Pool {
  private readonly keys: { privateKey: KeyObject; spkiB64: string }[] = [];
  private readonly bodies: Buffer[] = [];
  private made = 0;
  private readonly salt = randomBytes(8).toString('hex');
  constructor() {
    for (let i = 0; i < 64; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      this.keys.push({ privateKey, spkiB64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') });
    }
  }
  ensure(count: number): void {
    while (this.bodies.length < count) this.bodies.push(this.make());
  }
  next(): Buffer {
    return this.bodies.pop() ?? this.make();
  }
  private make(): Buffer {
    const key = this.keys[this.made % this.keys.length] as { privateKey: KeyObject; spkiB64: string };
    const artifact = Buffer.from(`sealhouse rekor v2 bench ${this.salt} artifact ${this.made++}`);
    const digest = createHash('sha256').update(artifact).digest('base64');
    const signature = sign('sha256', artifact, key.privateKey).toString('base64');
    return Buffer.from(
      `{"hashedRekordRequestV002":{"digest":"${digest}","signature":{"content":"${signature}",` +
        `"verifier":{"publicKey":{"rawBytes":"${key.spkiB64}"},"keyDetails":"PKIX_ECDSA_P256_SHA_256"}}}}`,
    );
  }
}
