/**
 * The issuance pipeline of CaService (reference §1.1) on a real store and CT log, with the OIDC
 * seam (OidcVerifier, DESIGN §2) answered by a fixed principal: which challenges a proof of
 * possession may sign, proofs and signatures in worker threads, and what happens when the CT log
 * fails — a 5xx-class error naming the CT log, and no certificate.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sign, X509Certificate } from 'node:crypto';
import { CaService, CT_FAILURE, CtSubmissionError, INVALID_IDENTITY_TOKEN } from '../../src/ca/ca-service.js';
import { AuthenticationError } from '../../src/oidc/auth-error.js';
import { CtLog } from '../../src/ct/ct-log.js';
import type { OidcVerifier, Principal } from '../../src/oidc/verifier.js';
import { CryptoWorkers } from '../../src/ca/crypto-workers.js';
import { isSealhouseError, SealhouseError } from '../../src/errors.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { EMAIL_EXTENSIONS, keyPair, makeCa } from './fixtures.js';

const ca = makeCa();
const ctKey = keyPair('P-256').privateKey;
const principal = (acceptedChallenges: string[], email = 'erin@example.com'): Principal => ({
  issuer: 'https://idp.example.test',
  subject: 'user-1234',
  issuerType: 'email',
  san: { type: 'email', value: email },
  challenge: acceptedChallenges[0] ?? '',
  acceptedChallenges,
  extensions: EMAIL_EXTENSIONS,
});
const fixed = (p: Principal | Error): OidcVerifier => ({ verify: async () => (p instanceof Error ? Promise.reject(p) : p) });

describe('CaService', () => {
  let db: TestDatabase;
  let ct: CtLog;
  let workers: CryptoWorkers;
  let issued = 0;
  const refused: string[] = [];

  before(async () => {
    db = await openTestDatabase();
    ct = await CtLog.open(db.sql, { key: ctKey, roots: [ca.material.chain[1] as Buffer], maxBatch: 16, maxDelayMs: 1, maxQueue: 100 });
    workers = new CryptoWorkers(ca.material.privateKey, 2);
  });
  after(async () => {
    await ct.close();
    await workers.close();
    await db.close();
  });

  const service = (verifier: OidcVerifier, log: CtLog = ct) =>
    new CaService({ ca: ca.material, ct: log, verifier, workers, onIssued: () => issued++, onTokenRefused: (r) => refused.push(r) });
  const request = (challenge: string) => {
    const k = keyPair('P-256');
    return { token: 't', publicKey: k.pem, proofOfPossession: sign('sha256', Buffer.from(challenge), k.privateKey).toString('base64'), key: k };
  };

  it('issues with proofs and signatures checked and made in worker threads, chained to the CA', async () => {
    const req = request('erin@example.com');
    const out = await service(fixed(principal(['erin@example.com']))).issue(req);
    const leaf = new X509Certificate(out.leaf);
    assert.ok(leaf.verify(new X509Certificate(ca.material.certificate).publicKey));
    assert.ok(leaf.publicKey.equals(req.key.publicKey));
    assert.equal(out.chainPem.length, 3);
  });

  it('accepts a proof over sub only when the principal lists it (SEALHOUSE_OIDC_SUB_CHALLENGE)', async () => {
    await assert.rejects(service(fixed(principal(['erin@example.com']))).issue(request('user-1234')), /could not be verified/);
    const out = await service(fixed(principal(['erin@example.com', 'user-1234']))).issue(request('user-1234'));
    assert.ok(out.leaf.length > 0);
  });

  it('prefixes token failures with Fulcio\'s message and reports the verifier\'s reason', async () => {
    // The message would say "signature" to a regex; the reason set by the verifier is what counts.
    await assert.rejects(service(fixed(new AuthenticationError('time', 'token is expired, its signature unchecked'))).issue(request('x')), (err: unknown) => {
      assert.ok(err instanceof AuthenticationError && err.code === 'unauthenticated');
      assert.equal(err.message, `${INVALID_IDENTITY_TOKEN}: token is expired, its signature unchecked`);
      assert.equal(err.reason, 'time', 'the reason travels with the prefixed error');
      return true;
    });
    assert.equal(refused.at(-1), 'time');
  });

  it('keeps overload and bugs in the verifier what they are, labelled as such', async () => {
    await assert.rejects(service(fixed(new SealhouseError('unavailable', 'too many OIDC discoveries'))).issue(request('x')), (err: unknown) => isSealhouseError(err, 'unavailable'));
    assert.equal(refused.at(-1), 'unavailable');
    await assert.rejects(service(fixed(new TypeError('bug'))).issue(request('x')), (err: unknown) => err instanceof TypeError);
    assert.equal(refused.at(-1), 'internal');
  });

  it('refuses an identity that cannot be encoded (non-ASCII e-mail SAN) as invalid input', async () => {
    const p = principal(['erin@exämple.com'], 'erin@exämple.com');
    await assert.rejects(service(fixed(p)).issue(request('erin@exämple.com')), (err: unknown) => isSealhouseError(err, 'invalid_input') && /IA5String/.test(err.message));
  });

  it('reports a CT log that is shutting down as Unavailable, naming the CT log, and issues nothing', async () => {
    const before = issued;
    const draining = await CtLog.open(db.sql, { key: ctKey, roots: [ca.material.chain[1] as Buffer], maxBatch: 1, maxDelayMs: 0, maxQueue: 1 });
    await draining.close();
    await assert.rejects(service(fixed(principal(['erin@example.com'])), draining).issue(request('erin@example.com')), (err: unknown) => {
      assert.ok(isSealhouseError(err, 'unavailable'));
      assert.ok(err instanceof CtSubmissionError && err.ctSubmission);
      assert.match(err.message, new RegExp(`^${CT_FAILURE}: the log is shutting down`));
      return true;
    });
    assert.equal(issued, before);
  });

  it('reports a CT log whose database fails as an internal "Error entering certificate in CTL"', async () => {
    const lost = await openTestDatabase();
    const broken = await CtLog.open(lost.sql, { key: ctKey, roots: [], maxBatch: 1, maxDelayMs: 0, maxQueue: 10 });
    await lost.close();
    const before = issued;
    await assert.rejects(service(fixed(principal(['erin@example.com'])), broken).issue(request('erin@example.com')), (err: unknown) => {
      assert.ok(isSealhouseError(err, 'internal'));
      assert.ok(err instanceof CtSubmissionError, 'flagged as a CT failure, which the Fulcio API shows in its own words');
      assert.equal(err.message, CT_FAILURE);
      return true;
    });
    assert.equal(issued, before);
  });
});
