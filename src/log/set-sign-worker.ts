/**
 * Worker thread that signs SETs for a batch (see set-signer.ts for why). It receives the log's
 * private key once, then batches of bodies with consecutive indexes, and answers with the DER
 * signatures in order.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { signSet } from './set.js';

export interface SignRequest {
  readonly id: number;
  readonly bodies: readonly Uint8Array[];
  readonly firstIndex: number;
  readonly integratedTime: number;
  readonly logIdHex: string;
}

export type WorkerMessage = { readonly key: Uint8Array } | SignRequest;

let key: KeyObject | undefined;

parentPort?.on('message', (message: WorkerMessage) => {
  if ('key' in message) {
    key = createPrivateKey({ key: Buffer.from(message.key), format: 'der', type: 'pkcs8' });
    return;
  }
  try {
    if (!key) throw new Error('no signing key was sent to the worker');
    const signingKey = key;
    const signatures = message.bodies.map((body, i) =>
      signSet(
        { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength), integratedTime: message.integratedTime, logIdHex: message.logIdHex, logIndex: message.firstIndex + i },
        signingKey,
      ),
    );
    parentPort?.postMessage({ id: message.id, signatures });
  } catch (err) {
    parentPort?.postMessage({ id: message.id, error: (err as Error).message });
  }
});
