/**
 * Shared setup for the OIDC verifier tests: a loopback IdP with one issuer per type and rule under
 * test, the matching Fulcio-shaped config, and small assertion helpers. Time is pinned to NOW.
 */
import assert from 'node:assert/strict';
import type { Clock } from '../../src/clock.js';
import { parseFulcioConfig } from '../../src/oidc/config.js';
import { FulcioOidcVerifier, type Principal } from '../../src/oidc/verifier.js';
import { isSealhouseError } from '../../src/errors.js';
import { TestIdp } from './loopback-idp.js';
import { ciMetadataJson } from './oidc-fixtures.js';
import { AuthenticationError, type AuthFailureReason } from '../../src/oidc/auth-error.js';

export const NOW = new Date('2026-05-01T12:00:00Z');
const clock: Clock = { now: () => new Date(NOW) };
export const at = (offsetSeconds: number): number => Math.floor(NOW.getTime() / 1000) + offsetSeconds;

/** A verified email-issuer identity's claims. */
export const person = { sub: 'user-1234', email: 'alice@example.com', email_verified: true, iat: at(0), exp: at(300) };

/** Extensions keyed by arc, `r` suffix for raw encoding: `{ '1r': iss, '8': iss, '24': sub }`. */
export const ext = (p: Principal): Record<string, string> => Object.fromEntries(p.extensions.map((e) => [`${e.oid.split('.').pop() ?? ''}${e.encoding === 'raw' ? 'r' : ''}`, e.value]));

export interface OidcFixture {
  readonly idp: TestIdp;
  readonly verifier: FulcioOidcVerifier;
  readonly legacyVerifier: FulcioOidcVerifier;
  /** Refused as 'unauthenticated' with a reason (the given one, if any) and a message matching `pattern`. */
  rejected(token: Promise<string> | string, pattern: RegExp, reason?: AuthFailureReason): Promise<void>;
}

export async function startOidcFixture(): Promise<OidcFixture> {
  const idp = await TestIdp.start();
  const b = idp.base;
  for (const path of ['/email', '/dex', '/skip', '/username', '/uri', '/spiffe', '/k8s', '/gh', '/gl', '/ci-gh', '/ci-gl', '/challenge', '/tenants/acme']) await idp.issuer(path);
  await idp.issuer('/es-only', { algorithms: ['ES256'] });
  await idp.addKey('/es-only', 'RS256', 'rsa-key');
  await idp.issuer('/no-algs', { algorithms: undefined });
  await idp.addKey('/no-algs', 'RS256', 'rsa-key');
  await idp.issuer('/wrong-iss', { issuerValue: 'https://elsewhere.example' });
  await idp.issuer('/redirect', { redirectTo: `${b.replace('127.0.0.1', 'localhost')}/email/.well-known/openid-configuration` });
  const email = { Type: 'email', ClientID: 'sigstore' };
  const config = await parseFulcioConfig(
    JSON.stringify({
      OIDCIssuers: {
        [`${b}/email`]: { IssuerURL: `${b}/email`, ...email },
        [`${b}/dex`]: { IssuerURL: `${b}/dex`, ...email, IssuerClaim: '$.federated_claims.connector_id' },
        [`${b}/skip`]: { IssuerURL: `${b}/skip`, ...email, SkipEmailVerification: true },
        [`${b}/challenge`]: { IssuerURL: `${b}/challenge`, ...email, ChallengeClaim: 'sub' },
        [`${b}/username`]: { IssuerURL: `${b}/username`, Type: 'username', SubjectDomain: '127.0.0.1' },
        [`${b}/uri`]: { IssuerURL: `${b}/uri`, Type: 'uri', SubjectDomain: 'http://127.0.0.1' },
        [`${b}/spiffe`]: { IssuerURL: `${b}/spiffe`, Type: 'spiffe', SPIFFETrustDomain: 'example.org' },
        [`${b}/k8s`]: { IssuerURL: `${b}/k8s`, Type: 'kubernetes' },
        [`${b}/gh`]: { IssuerURL: `${b}/gh`, Type: 'github-workflow' },
        [`${b}/gl`]: { IssuerURL: `${b}/gl`, Type: 'gitlab-pipeline' },
        [`${b}/ci-gh`]: { IssuerURL: `${b}/ci-gh`, Type: 'ci-provider', CIProvider: 'github-workflow' },
        [`${b}/ci-gl`]: { IssuerURL: `${b}/ci-gl`, Type: 'ci-provider', CIProvider: 'gitlab-pipeline' },
        [`${b}/es-only`]: { IssuerURL: `${b}/es-only`, ...email },
        [`${b}/no-algs`]: { IssuerURL: `${b}/no-algs`, ...email },
        [`${b}/wrong-iss`]: { IssuerURL: `${b}/wrong-iss`, ...email },
        [`${b}/redirect`]: { IssuerURL: `${b}/redirect`, ...email },
      },
      MetaIssuers: { [`${b}/tenants/*`]: { ClientID: 'sigstore', Type: 'kubernetes' } },
      CIIssuerMetadata: ciMetadataJson,
    }),
  );
  const verifier = new FulcioOidcVerifier({ config, clock, jwksCooldownMs: 0 });
  const legacyVerifier = new FulcioOidcVerifier({ config, clock, acceptSubjectChallengeForEmail: true });
  const rejected = async (token: Promise<string> | string, pattern: RegExp, reason?: AuthFailureReason): Promise<void> => {
    await assert.rejects(verifier.verify(await token), (err: unknown) => {
      assert.ok(isSealhouseError(err, 'unauthenticated'), String(err));
      assert.ok(err instanceof AuthenticationError, `every refusal carries a reason: ${String(err)}`);
      if (reason !== undefined) assert.equal(err.reason, reason, err.message);
      assert.match(err.message, pattern);
      return true;
    });
  };
  return { idp, verifier, legacyVerifier, rejected };
}
