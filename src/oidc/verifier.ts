/**
 * Identity-token authentication for the CA, matching Fulcio's go-oidc IDTokenVerifier
 * (reference §2.5; OpenID Connect Core §3.1.3.7, https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation):
 * pick the issuer from the unverified `iss` (exact key, else a meta-issuer pattern), discover its
 * keys, verify the single JWS signature with an advertised algorithm, then `iss`, `aud ∋ ClientID`,
 * `exp` with no leeway and `nbf` with 60 s. The issuer type then maps claims to a Principal.
 *
 * Before any network or crypto work (issue 8): size and shape limits (token-limits.ts), a known
 * algorithm, a configured issuer, and the time and audience rules on the unverified claims; a
 * token that fails them costs no discovery fetch. Claims quoted in errors are cut (quote.ts).
 *
 * Every refusal of the token is an AuthenticationError ('unauthenticated' with a `reason`); the
 * CA prefixes Fulcio's
 * "There was an error processing the identity token".
 */
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { type SealhouseError } from '../errors.js';
import { AuthenticationError, type AuthFailureReason } from './auth-error.js';
import type { San, SigstoreExtension } from './principal.js';
import { type Clock, systemClock } from '../clock.js';
import { mapBuildkiteJob, mapCiProvider, mapCodefreshWorkflow, mapGithubWorkflow, mapGitlabPipeline } from './ci-types.js';
import { goString } from './claims.js';
import { findIssuer, type FulcioConfig, type IssuerType } from './config.js';
import { renderExtensions } from './fulcio-extensions.js';
import { type Mapped, mapChainguard, mapEmail, mapKubernetes, mapSpiffe, mapUri, mapUsername, type TokenFacts } from './identity-types.js';
import { ProviderCache, type ProviderOptions, SUPPORTED_ALGORITHMS } from './provider.js';
import { quoteClaim } from './quote.js';
import { checkClaimsShape, checkTokenSize } from './token-limits.js';

/** Who the certificate is for, and what proof of possession must sign. */
export interface Principal {
  /** The verified `iss` claim. */
  readonly issuer: string;
  /** The `sub` claim ('' if absent). */
  readonly subject: string;
  readonly issuerType: IssuerType;
  readonly san: San;
  /** What the PoP signs: email for email issuers, sub otherwise, or the configured ChallengeClaim. */
  readonly challenge: string;
  /** `challenge`, plus `sub` for email issuers when legacy (sigstore-js 3.x) PoP is enabled. */
  readonly acceptedChallenges: readonly string[];
  /** The sigstore OID extensions for the certificate, in Fulcio's order. */
  readonly extensions: readonly SigstoreExtension[];
}

/** The DESIGN §2 seam: what the CA service needs from token authentication. */
export interface OidcVerifier {
  verify(token: string): Promise<Principal>;
}

export interface OidcVerifierOptions extends ProviderOptions {
  readonly config: FulcioConfig;
  readonly clock?: Clock;
  /** Also accept a PoP over `sub` for email issuers: sigstore-js 3.x signs sub for private issuers. */
  readonly acceptSubjectChallengeForEmail?: boolean;
  /** Longest token accepted, in characters (default MAX_TOKEN_CHARS, 32 KiB). */
  readonly maxTokenBytes?: number;
}

const reject = (reason: AuthFailureReason, why: string): SealhouseError => new AuthenticationError(reason, why);

/** jose's messages are precise and carry no token material; name the common cases plainly. */
function describe(err: unknown): [AuthFailureReason, string] {
  if (err instanceof joseErrors.JWTExpired) return ['time', 'token is expired'];
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return ['time', 'token is not valid yet (nbf is more than 60 s ahead)'];
    if (err.claim === 'aud') return ['audience', 'token audience does not contain the expected client id'];
    return ['claims', `${quoteClaim(err.claim)} claim check failed: ${err.message}`];
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return ['signature', 'failed to verify signature'];
  if (err instanceof joseErrors.JWKSNoMatchingKey) return ['signature', 'failed to verify signature: no key in the issuer JWKS matches the token kid/alg'];
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return ['signature', `token signing algorithm not allowed: ${err.message}`];
  // What else jose refuses (JWSInvalid, JWTInvalid) is the token's shape.
  return ['malformed', err instanceof Error ? err.message : 'token verification failed'];
}

export class FulcioOidcVerifier implements OidcVerifier {
  private readonly providers: ProviderCache;
  private readonly clock: Clock;

  constructor(private readonly opts: OidcVerifierOptions) {
    this.providers = new ProviderCache(opts);
    this.clock = opts.clock ?? systemClock;
  }

  async verify(token: string): Promise<Principal> {
    // Everything up to providers.get is local and cheap: a token that fails here costs no fetch.
    checkTokenSize(token, this.opts.maxTokenBytes);
    let alg: unknown;
    let unverified: JWTPayload;
    try {
      alg = decodeProtectedHeader(token).alg;
      unverified = decodeJwt(token);
    } catch {
      throw reject('malformed', 'malformed identity token: header or payload is not base64url JSON');
    }
    if (typeof alg !== 'string' || alg === '' || alg.toLowerCase() === 'none') throw reject('signature', 'unsigned identity tokens (alg "none" or no alg) are not accepted');
    if (!SUPPORTED_ALGORITHMS.includes(alg)) throw reject('signature', `token signing algorithm ${quoteClaim(alg)} is not supported (one of ${SUPPORTED_ALGORITHMS.join(', ')})`);
    const iss = checkClaimsShape(unverified);
    const issuer = findIssuer(this.opts.config, iss);
    if (!issuer) throw reject('issuer', `unsupported issuer: ${quoteClaim(iss)}`);
    this.precheck(unverified, issuer.clientId);
    const provider = await this.providers.get(issuer, !this.opts.config.oidcIssuers.has(iss));
    if (!provider.algorithms.includes(alg)) throw reject('signature', `token signing algorithm ${alg} is not among the issuer's id_token_signing_alg_values_supported (${provider.algorithms.join(', ')})`);

    const now = this.clock.now();
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, provider.keys, {
        issuer: iss,
        audience: issuer.clientId,
        algorithms: [...provider.algorithms],
        clockTolerance: 60, // applies to nbf; exp is re-checked strictly below
        currentDate: now,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw reject(...describe(err));
    }
    if (typeof claims.exp !== 'number' || now.getTime() > claims.exp * 1000) throw reject('time', 'token is expired');
    if (claims.sub !== undefined && typeof claims.sub !== 'string') throw reject('claims', 'sub claim must be a string');

    const facts: TokenFacts = { claims, iss, sub: claims.sub ?? '', issuer };
    const mapped = this.map(facts);
    let challenge = mapped.name;
    if (issuer.challengeClaim) {
      const value = claims[issuer.challengeClaim];
      if (value === undefined || value === null || value === '') throw reject('claims', `challenge claim ${issuer.challengeClaim} missing from ID token`);
      challenge = goString(value);
    }
    const accepted = [challenge];
    if (issuer.type === 'email' && this.opts.acceptSubjectChallengeForEmail && facts.sub && facts.sub !== challenge) accepted.push(facts.sub);
    return {
      issuer: iss,
      subject: facts.sub,
      issuerType: issuer.type,
      san: mapped.san,
      challenge,
      acceptedChallenges: accepted,
      extensions: renderExtensions(mapped.extensions),
    };
  }

  /**
   * The time and audience rules on the still-unverified claims. They are checked again after the
   * signature, on the same bytes; failing them here only saves a discovery fetch for a token that
   * could never pass (expired, not yet valid, or meant for another client).
   */
  private precheck(claims: JWTPayload, clientId: string): void {
    const now = this.clock.now().getTime();
    if (claims.exp === undefined) throw reject('time', 'missing required "exp" claim');
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw reject('time', '"exp" claim must be a number');
    if (now > claims.exp * 1000) throw reject('time', 'token is expired');
    if (typeof claims.nbf === 'number' && claims.nbf * 1000 > now + 60_000) throw reject('time', 'token is not valid yet (nbf is more than 60 s ahead)');
    const aud = claims.aud;
    if (!(aud === clientId || (Array.isArray(aud) && aud.includes(clientId)))) throw reject('audience', 'token audience does not contain the expected client id');
  }

  private map(t: TokenFacts): Mapped {
    switch (t.issuer.type) {
      case 'email':
        return mapEmail(t);
      case 'username':
        return mapUsername(t);
      case 'uri':
        return mapUri(t);
      case 'spiffe':
        return mapSpiffe(t);
      case 'kubernetes':
        return mapKubernetes(t);
      case 'chainguard-identity':
        return mapChainguard(t);
      case 'github-workflow':
        return mapGithubWorkflow(t);
      case 'gitlab-pipeline':
        return mapGitlabPipeline(t);
      case 'buildkite-job':
        return mapBuildkiteJob(t);
      case 'codefresh-workflow':
        return mapCodefreshWorkflow(t);
      case 'ci-provider':
        return mapCiProvider(t, this.opts.config.ciIssuerMetadata.get(t.issuer.ciProvider ?? ''));
    }
  }
}
