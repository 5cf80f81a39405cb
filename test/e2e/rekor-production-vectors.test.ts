/**
 * Production Rekor entries re-submitted over HTTP (rekor-api.md §1.6, §2): the proposed entries
 * their clients sent, rebuilt from the original bundles, are logged by Sealhouse with exactly the
 * canonical body and leaf hash public-good Rekor logged, and the odd-PEM variant of a request is
 * recognised as the same entry (409 + Location).
 *
 * The cpython release entry is ECDSA P-384 with a sha256 digest, logged before Rekor had an
 * algorithm allow-list and outside today's default (rekor-api.md §2.1 item 4). On a default
 * server it is refused exactly as current Rekor refuses it; on a server whose allow-list adds
 * `ecdsa-sha2-256-nistp384` (SEALHOUSE_LOG_ALGORITHMS, like Rekor's --client-signing-algorithms)
 * it is logged byte for byte.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ALLOWED_ALGORITHMS } from '../../src/entries/index.js';
import { leafHash } from '../../src/merkle/hash.js';
import { hashedrekordProposals, intotoProposal, PRODUCTION_ALGORITHMS, productionVectors, type ProductionVector } from '../entries/production-proposals.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { create, post, trustedLog, verifyAll, type ErrorBody } from '../http/rekor-client.js';

const vectors = productionVectors();
const needsWiderAllowList = (v: ProductionVector): boolean => v.entry.id.startsWith('cpython');

let server: TestServer;
let widened: TestServer;

before(async () => {
  server = await startTestServer();
  widened = await startTestServer({ SEALHOUSE_LOG_ALGORITHMS: [...DEFAULT_ALLOWED_ALGORITHMS, ...PRODUCTION_ALGORITHMS].join(',') });
});
after(async () => {
  await server.close();
  await widened.close();
});

/** Whether the logged body names a certificate (base64 of "-----BEGIN CERTIFICATE-----") rather than a bare key. */
const signedWithCertificate = (body: Buffer): boolean => body.toString().includes(Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64').slice(0, 32));

/** Submit every request variant: the first is logged with production's body, the rest are 409s. */
async function logAndCompare(url: string, vector: ProductionVector, variants: readonly unknown[]): Promise<void> {
  const log = await trustedLog(url);
  const { id, entry, reply } = await create(url, variants[0]);
  const body = Buffer.from(entry.body, 'base64');
  assert.equal(body.toString(), vector.expectedBody.toString(), 'the canonical body production Rekor logged');
  assert.equal(leafHash(body).toString('hex'), vector.entry.leafHash_hex);
  assert.equal(id.slice(16), vector.entry.leafHash_hex, 'the UUID is production’s leaf hash');
  assert.equal(reply.headers.get('etag'), id);
  // Production certificates lived ten minutes, years ago: logged now, the entry is in the log
  // but a client must refuse it for the certificate's time.
  verifyAll(id, entry, log, { certificateExpiredBeforeLogging: signedWithCertificate(body) });
  for (const variant of variants.slice(1)) {
    const dup = await post<ErrorBody>(url, '/api/v1/log/entries', variant);
    assert.equal(dup.status, 409, dup.text);
    assert.equal(dup.headers.get('location'), `/api/v1/log/entries/${id}`);
  }
}

describe('production entries re-submitted over HTTP', () => {
  assert.ok(vectors.length >= 4, 'manifest lists the production entries');
  for (const vector of vectors) {
    const variants =
      vector.entry.kind.kind === 'hashedrekord'
        ? hashedrekordProposals(vector.bundle).map((p) => p.proposed)
        : [intotoProposal(vector.bundle, vector.expectedBody).proposed];

    if (!needsWiderAllowList(vector)) {
      it(`${vector.entry.id}: logged with production's canonical body and leaf hash`, () => logAndCompare(server.url, vector, variants));
      continue;
    }
    it(`${vector.entry.id}: refused by the default allow-list, as current Rekor refuses it`, async () => {
      const reply = await post<ErrorBody>(server.url, '/api/v1/log/entries', variants[0]);
      assert.equal(reply.status, 400);
      assert.match(reply.json.message, /^error processing entry: entry algorithms are not allowed: ECDSA P-384 with sha256 \(allowed: /);
    });
    it(`${vector.entry.id}: logged byte for byte once ecdsa-sha2-256-nistp384 is allowed`, () => logAndCompare(widened.url, vector, variants));
  }
});
