/**
 * Which log keys the monitor takes from a trusted root (src/core/trust.ts, as the monitor asks for them): the
 * production root's Rekor v1 (ECDSA) and Rekor v2 (log2025-1, Ed25519) logs, the v2 one bound to
 * the host of its baseUrl because its keyId is the note key ID under that name; a real
 * log2025-1 checkpoint (from a sigstore-js v3 bundle in test/vectors) verifies with it and no
 * longer does once edited. Refused: an Ed25519 log whose keyId is not its note key ID under
 * its baseUrl's host, and a root with nothing that can sign a checkpoint.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { verifyCheckpointNote } from '../../src/monitor/checkpoints.js';
import { Inconsistency } from '../../src/monitor/inconsistency.js';
import { logsFromTrustedRoot } from '../../src/core/trust.js';
import { nodeCrypto } from '../../src/node-crypto.js';

const VECTORS = new URL('../../../test/vectors/bundles/', import.meta.url);
const production = JSON.parse(readFileSync(new URL('trusted_root.production.json', VECTORS), 'utf8')) as { tlogs: Record<string, unknown>[] };
const bundle = JSON.parse(readFileSync(new URL('js/v3-message-hashedrekordv002.sigstore.json', VECTORS), 'utf8')) as {
  verificationMaterial: { tlogEntries: { inclusionProof: { checkpoint: { envelope: string } } }[] };
};
const v2Note = bundle.verificationMaterial.tlogEntries[0]?.inclusionProof.checkpoint.envelope as string;
const withTlogs = (tlogs: unknown[]): object => ({ ...production, tlogs });
const v2Log = production.tlogs.find((t) => t.baseUrl === 'https://log2025-1.rekor.sigstore.dev') as Record<string, unknown>;
const AT = new Date('2025-10-01T00:00:00Z');

describe('the monitor\'s log keys from a trusted root', () => {
  it('takes the production root\'s ECDSA v1 logs and its Ed25519 v2 log, the latter named by its host', () => {
    const logs = logsFromTrustedRoot(nodeCrypto, production, 'checkpoint-signers');
    const v2 = logs.find((l) => l.key.algorithm === 'ed25519');
    assert.ok(v2, 'the Rekor v2 log is followed');
    assert.deepEqual(v2.signerNames, ['log2025-1.rekor.sigstore.dev']);
    assert.equal(Buffer.from(v2.logIdHex, 'hex').toString('base64'), (v2Log.logId as { keyId: string }).keyId);
    assert.ok(logs.some((l) => l.key.algorithm === 'ecdsa' && l.baseUrl === 'https://rekor.sigstore.dev'), 'the Rekor v1 log too');
  });

  it('verifies a real log2025-1 checkpoint with it, and refuses the same checkpoint edited', () => {
    const logs = logsFromTrustedRoot(nodeCrypto, production, 'checkpoint-signers');
    const ok = verifyCheckpointNote(v2Note, logs, undefined, AT);
    assert.equal(ok.log.key.algorithm, 'ed25519');
    assert.equal(ok.checkpoint.origin, 'log2025-1.rekor.sigstore.dev');
    const edited = v2Note.replace(/\n[0-9]+\n/, (m) => `\n${Number(m.trim()) + 1}\n`);
    assert.throws(() => verifyCheckpointNote(edited, logs, undefined, AT), (e: unknown) => e instanceof Inconsistency && /does not verify/.test(e.reason));
  });

  it('refuses an Ed25519 log whose keyId is not its note key ID under the host of its baseUrl', () => {
    const moved = { ...v2Log, baseUrl: 'https://log2025-2.rekor.sigstore.dev' };
    assert.throws(() => logsFromTrustedRoot(nodeCrypto, withTlogs([moved]), 'checkpoint-signers'), /not the note key ID .* "log2025-2\.rekor\.sigstore\.dev"/);
    const badId = { ...v2Log, logId: { keyId: Buffer.alloc(32, 1).toString('base64') } };
    assert.throws(() => logsFromTrustedRoot(nodeCrypto, withTlogs([badId]), 'checkpoint-signers'), /not the note key ID/);
    // Beside a usable log the bad one is set aside, not trusted under some other name.
    const logs = logsFromTrustedRoot(nodeCrypto, withTlogs([badId, ...production.tlogs.filter((t) => t !== v2Log)]), 'checkpoint-signers');
    assert.equal(logs.some((l) => l.key.algorithm === 'ed25519'), false);
    assert.throws(() => verifyCheckpointNote(v2Note, logs, undefined, AT), Inconsistency);
  });

  it('refuses a root with no log that can sign a checkpoint', () => {
    assert.throws(() => logsFromTrustedRoot(nodeCrypto, withTlogs([]), 'checkpoint-signers'), /no usable ECDSA P-256 \(Rekor v1\) or Ed25519 \(Rekor v2\) transparency log.*tlogs is empty/);
    const spki = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' });
    const rsa = { baseUrl: 'https://rsa.example', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: spki.toString('base64'), keyDetails: 'PKIX_RSA_PKCS1V15_2048_SHA256', validFor: { start: '2020-01-01T00:00:00Z' } }, logId: { keyId: createHash('sha256').update(spki).digest('base64') } };
    assert.throws(() => logsFromTrustedRoot(nodeCrypto, withTlogs([rsa]), 'checkpoint-signers'), /no usable ECDSA P-256 \(Rekor v1\) or Ed25519 \(Rekor v2\) transparency log.*RSA 2048/);
  });
});
