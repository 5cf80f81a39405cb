/**
 * The log's identity and signatures: logID = SHA-256(DER SPKI) (rekor-api.md §1.1), SETs
 * (§3) and Rekor v1 checkpoints (§4) with origin "<host> - <treeID>", signed by "<host>" with
 * key hint logID[0:4] and exactly one signature line.
 */
import type { KeyObject } from 'node:crypto';
import { ecdsaNoteSigner } from '../note/ecdsa-note.js';
import { logIdOf } from '../note/log-id.js';
import type { NoteSigner } from '../note/signed-note.js';
import { rekorOrigin, signCheckpoint } from '../note/checkpoint.js';
import { SetSigner, type SetBatch } from './set-signer.js';
import type { LogKey } from './log-key.js';

export class LogSigner {
  readonly publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo of the log key. */
  readonly spki: Buffer;
  readonly logId: Buffer;
  readonly logIdHex: string;
  readonly origin: string;
  private readonly noteSigner: NoteSigner;
  private readonly setSigner: SetSigner;

  constructor(
    key: LogKey,
    /** The public host name clients use; must appear in their trusted root's baseUrl. */
    readonly host: string,
    readonly treeId: number,
  ) {
    this.publicKey = key.publicKey;
    this.spki = key.publicKey.export({ format: 'der', type: 'spki' });
    this.logId = logIdOf(key.publicKey);
    this.logIdHex = this.logId.toString('hex');
    this.origin = rekorOrigin(host, String(treeId));
    this.noteSigner = ecdsaNoteSigner(host, key.privateKey);
    this.setSigner = new SetSigner(key.privateKey, this.logIdHex);
  }

  /** SETs for a batch of consecutive indexes, signed off the main thread when worthwhile. */
  signSets(batch: SetBatch): Promise<Buffer[]> {
    return this.setSigner.sign(batch);
  }

  close(): Promise<void> {
    return this.setSigner.close();
  }

  signCheckpoint(treeSize: number, rootHash: Buffer): string {
    return signCheckpoint({ origin: this.origin, size: treeSize, rootHash, extensions: [] }, this.noteSigner);
  }

  publicKeyPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  }
}
