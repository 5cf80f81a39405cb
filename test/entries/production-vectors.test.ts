/**
 * Production compatibility: real public-good Rekor entries (test/vectors/manifest.json, group
 * "rekor"). For each, rebuild the proposed entry the client sent from the bundle and check that
 * canonicalizeProposedEntry yields exactly the logged canonicalizedBody and leaf hash.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalizeProposedEntry } from '../../src/entries/index.js';
import { hashedrekordProposals, intotoProposal, PRODUCTION_ALGORITHMS, productionVectors } from './production-proposals.js';

const vectors = productionVectors();
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

describe('production Rekor entries rebuild byte-for-byte', () => {
  assert.ok(vectors.length >= 4, 'manifest lists the production entries');
  for (const { entry, bundle, expectedBody } of vectors) {
    if (entry.kind.kind === 'hashedrekord') {
      it(`${entry.id}: hashedrekord from messageSignature + certificate`, async () => {
        for (const { proposed } of hashedrekordProposals(bundle)) {
          // Logged before Rekor had an allow-list; cpython's P-384 key with sha256 is not in today's default.
          const result = await canonicalizeProposedEntry(proposed, { allowedAlgorithms: PRODUCTION_ALGORITHMS });
          assert.equal(result.body.toString(), expectedBody.toString());
          assert.equal(result.leafHash.toString('hex'), entry.leafHash_hex);
          assert.ok(result.indexKeys.includes(`sha256:${proposed.spec.data.hash.value}`));
        }
      });
    } else {
      it(`${entry.id}: intoto 0.0.2 rebuilt as sigstore-js legacyCompatibility sends it`, async () => {
        const { proposed, keyPem, loggedKey, hash, loggedHash } = intotoProposal(bundle, expectedBody);
        assert.ok(loggedKey !== '');
        assert.equal(b64(keyPem), loggedKey);
        assert.equal(hash, loggedHash, 'the client-computed envelope hash is reproducible');
        const result = await canonicalizeProposedEntry(proposed);
        assert.equal(result.body.toString(), expectedBody.toString());
        assert.equal(result.leafHash.toString('hex'), entry.leafHash_hex);
        assert.ok(result.indexKeys.some((k) => k.startsWith('sha512:76176ffa')), 'in-toto subject digest indexed');
      });
    }
  }
});
