/**
 * Rekor byte-compatibility on production data: our own verifier (the SET payload, proof order
 * and checkpoint handling our log also emits) accepts every real public-good Rekor entry in the
 * shared vectors with the production key, and rejects every tampered variant.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leafHash } from '../../src/merkle/hash.js';
import { logFromPem, type TrustedLog } from '../../src/core/trust.js';
import { verifyEntry, type LogEntryAnon as ApiLogEntry } from '../../src/core/verify-entry.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { readVector, readVectorJson } from '../helpers/vectors.js';

interface ManifestEntry {
  id: string;
  files: { logentry: string };
  expected: string;
  leafHash_hex: string;
  checked_result: { checks_run: string[] };
}
interface Manifest {
  groups: { group: string; entries?: ManifestEntry[] }[];
}

const production: TrustedLog = logFromPem(nodeCrypto, readVector('rekor/rekor.pub'), 'rekor.sigstore.dev');

/** The verifier said no (as opposed to a crash, which must not count as a rejection). */
class NotVerified extends Error {}

/**
 * The log proofs the one entry verifier (src/core/verify-entry.ts) found, in the manifest's
 * names; throws with its summary when the entry does not verify.
 */
function verifyLogEntry(id: string, entry: ApiLogEntry, logs: TrustedLog[]): string[] {
  const v = verifyEntry(id, entry, { logs, crypto: nodeCrypto });
  if (!v.verified) throw new NotVerified(v.summary);
  const names: Record<string, string> = { uuid: 'entry-uuid', set: 'set', inclusion: 'inclusion', checkpoint: 'checkpoint' };
  return v.checks.flatMap((c) => (c.status === 'ok' && names[c.id] ? [names[c.id] as string] : []));
}
const manifest = readVectorJson<Manifest>('manifest.json');
const entries = manifest.groups.find((g) => g.group === 'rekor')?.entries ?? [];

function load(file: string): [string, ApiLogEntry] {
  const doc = readVectorJson<Record<string, ApiLogEntry>>(file);
  const [pair] = Object.entries(doc);
  assert.ok(pair);
  return pair;
}

const isVerificationError = (e: unknown): boolean => e instanceof NotVerified;

describe('production Rekor entries', () => {
  it('lists the four production entries', () => assert.equal(entries.length, 4));

  for (const meta of entries) {
    it(`${meta.id}: verifies exactly the checks the manifest lists`, () => {
      const [uuid, entry] = load(meta.files.logentry);
      assert.equal(uuid, meta.leafHash_hex);
      const checks = verifyLogEntry(uuid, entry, [production]);
      // An inclusion proof counts only against a signed checkpoint: without one it proves nothing.
      const expected = meta.checked_result.checks_run.filter((c) => c !== 'inclusion' || entry.verification?.inclusionProof?.checkpoint !== undefined);
      assert.deepEqual([...checks].sort(), [...expected].sort());
      // The 80-hex form with the production shard's tree ID names the same entry.
      assert.deepEqual(verifyLogEntry(`108e9186e8c5677a${uuid}`, entry, [production]), checks);
    });

    it(`${meta.id}: every tampered variant is rejected`, () => {
      const [uuid, entry] = load(meta.files.logentry);
      const variants: [string, ApiLogEntry][] = [];
      const clone = (): ApiLogEntry => structuredClone(entry);
      const body = Buffer.from(entry.body, 'base64');
      body.writeUInt8(body.readUInt8(body.length - 3) ^ 1, body.length - 3);
      variants.push(['body byte flipped', { ...clone(), body: body.toString('base64') }]);
      if (entry.verification?.signedEntryTimestamp) {
        variants.push(['integratedTime + 1', { ...clone(), integratedTime: entry.integratedTime + 1 }]);
        variants.push(['logIndex + 1', { ...clone(), logIndex: entry.logIndex + 1 }]);
      }
      const proof = entry.verification?.inclusionProof;
      if (proof) {
        const p = (change: (x: NonNullable<typeof proof>) => void): ApiLogEntry => {
          const c = clone();
          change(c.verification?.inclusionProof as NonNullable<typeof proof>);
          delete c.verification?.signedEntryTimestamp;
          return c;
        };
        variants.push(['proof hash altered', p((x) => (x.hashes[0] = (x.hashes[0] as string).replace(/^./, (d) => (d === '0' ? '1' : '0'))))]);
        variants.push(['proof index + 1', p((x) => (x.logIndex += 1))]);
        variants.push(['proof truncated', p((x) => x.hashes.pop())]);
        variants.push(['root altered', p((x) => (x.rootHash = x.rootHash.replace(/.$/, (d) => (d === '0' ? '1' : '0'))))]);
        if (proof.checkpoint) {
          variants.push(['checkpoint size + 1', p((x) => (x.checkpoint = (x.checkpoint as string).replace(`\n${x.treeSize}\n`, `\n${x.treeSize + 1}\n`)))]);
        }
      }
      variants.push(['unknown log', { ...clone(), logID: 'd'.repeat(64) }]);
      for (const [what, variant] of variants) {
        assert.throws(() => verifyLogEntry(uuid, variant, [production]), isVerificationError, `${meta.id}: ${what} must fail`);
      }
    });
  }

  it('the sigstore-python entry carries the production checkpoint vector', () => {
    const [, entry] = load('rekor/entries/sigstore-python-no-signed-time.logentry.json');
    assert.equal(entry.verification?.inclusionProof?.checkpoint, readVector('checkpoints/production_rekor_checkpoint_from_sigstore-python.txt'));
  });
});

interface WalkthroughCase {
  id: string;
  expected: 'valid' | 'invalid';
  entry: Omit<ApiLogEntry, 'verification'>;
  signedEntryTimestamp_b64: string;
}

describe('production SET walkthrough (logIndex 62432866) and its tampered variants', () => {
  const doc = readVectorJson<{ leaf_hash_hex: string; cases: WalkthroughCase[] }>('rekor/walkthrough_entry_62432866.json');
  for (const c of doc.cases) {
    it(`${c.id} is ${c.expected}`, () => {
      const entry: ApiLogEntry = { ...c.entry, verification: { signedEntryTimestamp: c.signedEntryTimestamp_b64 } };
      const uuid = c.id === 'walkthrough-set-body-digest-altered' ? leafOf(entry) : doc.leaf_hash_hex;
      const run = (): unknown => verifyLogEntry(uuid, entry, [production]);
      if (c.expected === 'valid') assert.deepEqual(run(), ['entry-uuid', 'set']);
      else assert.throws(run, isVerificationError);
    });
  }
});

/** For the altered-body case, use the altered body's own UUID so that only the SET can fail. */
function leafOf(entry: ApiLogEntry): string {
  return leafHash(Buffer.from(entry.body, 'base64')).toString('hex');
}
