/**
 * Issuing a certificate the way Fulcio's CreateSigningCertificate does (reference §1.1,
 * https://github.com/sigstore/fulcio/blob/main/pkg/server/grpc_server.go), with the embedded-SCT
 * flow of §3.1 against our own CT log, in process:
 *
 *   authenticate the token → proof of possession (key + signature, or CSR) → algorithm allow-list
 *   → precertificate → CT log (commits the entry, returns the SCT) → final certificate = the
 *   precert's TBS minus poison plus the SCT list, signed by the same key.
 *
 * Every refusal is a SealhouseError whose message starts with Fulcio's client message
 * ("There was an error processing the identity token: …", "The public key supplied in the
 * request is insecure: …"), so the HTTP layer only maps codes. Nothing is logged to the CT log
 * before every check has passed.
 */
import { isSealhouseError, SealhouseError } from '../errors.js';
import type { CaMaterial } from './ca-keys.js';
import { type Clock, systemClock } from '../clock.js';
import type { CryptoWorkers, ProvenKeyInfo } from './crypto-workers.js';
import type { CtLog } from '../ct/ct-log.js';
import { extraData } from '../ct/ct-wire.js';
import { LeafDraft, type TbsSigning } from './leaf-certificate.js';
import { toPem } from '../core/pem.js';
import { AuthenticationError, authFailureReason } from '../oidc/auth-error.js';
import type { OidcVerifier, Principal } from '../oidc/verifier.js';
import { DEFAULT_ALLOWED_ALGORITHMS, verifyCsrProof, verifyPublicKeyProof } from './pop.js';
import { serializeSctList, sha256 } from '../ct/sct.js';
import { signatureOver } from './x509-sign.js';

export const INVALID_IDENTITY_TOKEN = 'There was an error processing the identity token';
export const CT_FAILURE = 'Error entering certificate in CTL';

/** A v2 request after transport decoding (camel/snake case, header token) by the HTTP layer. */
export interface SigningCertRequest {
  readonly token: string;
  /** PEM text or DER of the requester's key; absent with a CSR. */
  readonly publicKey?: string | Uint8Array;
  /** Signature over the challenge claim (bytes, or base64 text). */
  readonly proofOfPossession?: string | Uint8Array;
  /** PEM CSR, or base64 of it. */
  readonly csr?: string | Uint8Array;
}

export interface IssuedCertificate {
  /** DER of the final leaf. */
  readonly leaf: Buffer;
  /** [leaf, intermediate, …, root] as PEM, as Fulcio's response lists them. */
  readonly chainPem: string[];
  readonly principal: Principal;
}

export interface CaServiceDeps {
  readonly ca: CaMaterial;
  readonly ct: CtLog;
  readonly verifier: OidcVerifier;
  /** Worker threads for signatures and proofs of possession; inline on the main thread without. */
  readonly workers?: CryptoWorkers;
  readonly allowedAlgorithms?: readonly string[];
  readonly clock?: Clock;
  readonly onIssued?: () => void;
  /** A token was refused; `reason` (the verifier's, auth-error.ts) is the metrics label. */
  readonly onTokenRefused?: (reason: TokenRefusal) => void;
}

export type TokenRefusal = ReturnType<typeof authFailureReason>;

/**
 * The CT log did not give the precertificate an SCT. Fulcio answers this with its own fixed text
 * even though it is an internal failure; the class is the flag the Fulcio error mapping reads.
 */
export class CtSubmissionError extends SealhouseError {
  readonly ctSubmission = true;

  constructor(overloaded: boolean, cause: unknown) {
    super(overloaded ? 'unavailable' : 'internal', `${CT_FAILURE}${overloaded ? `: ${(cause as Error).message}` : ''}`, { cause });
    this.name = 'CtSubmissionError';
  }
}

/** The issuing CA with what signs for it: everything one certificate must take from the same CA. */
interface Issuing {
  readonly ca: CaMaterial;
  readonly issuerKeyHash: Buffer;
  readonly sign: TbsSigning;
  readonly workers: CryptoWorkers | undefined;
}

function issuingWith(ca: CaMaterial, workers: CryptoWorkers | undefined): Issuing {
  return {
    ca,
    issuerKeyHash: sha256(ca.spki),
    sign: workers ? (tbs) => workers.sign(tbs) : async (tbs) => signatureOver(tbs, ca.privateKey),
    workers,
  };
}

export class CaService {
  private issuing: Issuing;

  constructor(private readonly deps: CaServiceDeps) {
    this.issuing = issuingWith(deps.ca, deps.workers);
  }

  /** The issuing CA in use. */
  get ca(): CaMaterial {
    return this.issuing.ca;
  }

  /**
   * Issue with `ca` (signing through `workers`, which hold its key) from the next request on:
   * `sealhouse rotate ca` seen by a running server. A request in flight finishes with the CA it
   * started with — its precert, SCT entry and final certificate must all name one issuer — so
   * the caller closes the old workers only after swapping (their late jobs then run inline).
   */
  useCa(ca: CaMaterial, workers?: CryptoWorkers): void {
    this.issuing = issuingWith(ca, workers);
  }

  /** Fulcio's trust bundle: one chain (issuing CA … root, PEM), no leaves. */
  trustBundle(): string[][] {
    return [[...this.issuing.ca.chainPem]];
  }

  async issue(req: SigningCertRequest): Promise<IssuedCertificate> {
    const principal = await this.authenticate(req.token);
    const proven = await this.proveKey(req, principal);
    const { ca, issuerKeyHash, sign } = this.issuing;
    const draft = new LeafDraft(ca, { publicKey: proven.spki, san: principal.san, extensions: principal.extensions }, this.deps.clock ?? systemClock);
    const precert = await draft.precertificateWith(sign);
    let sct;
    try {
      sct = await this.deps.ct.submit({
        entry: { type: 'precert', issuerKeyHash, tbs: draft.tbsWithoutPoison() },
        extraData: extraData('precert', [precert, ...ca.chain]),
      });
    } catch (err) {
      throw new CtSubmissionError(isSealhouseError(err, 'unavailable'), err);
    }
    const leaf = await draft.finalCertificateWith(serializeSctList([sct]), sign);
    this.deps.onIssued?.();
    return { leaf, chainPem: [toPem(leaf), ...ca.chainPem], principal };
  }

  private async authenticate(token: string): Promise<Principal> {
    try {
      return await this.deps.verifier.verify(token);
    } catch (err) {
      const reason = authFailureReason(err);
      this.deps.onTokenRefused?.(reason);
      // Overload (e.g. the OIDC discovery limit) is not the token's fault: it stays a 503 to retry;
      // anything that is not a refusal of the token is a bug and stays one.
      if (reason === 'unavailable' || reason === 'internal') throw err;
      throw new AuthenticationError(reason, `${INVALID_IDENTITY_TOKEN}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async proveKey(req: SigningCertRequest, principal: Principal): Promise<ProvenKeyInfo> {
    const allowed = this.deps.allowedAlgorithms ?? DEFAULT_ALLOWED_ALGORITHMS;
    const { workers } = this.issuing;
    if (req.csr !== undefined && req.csr.length > 0) return workers ? workers.proveCsr(req.csr, allowed) : verifyCsrProof(req.csr, allowed);
    const proof = { publicKey: req.publicKey ?? '', proofOfPossession: req.proofOfPossession ?? '', challenges: principal.acceptedChallenges };
    return workers ? workers.provePublicKey(proof, allowed) : verifyPublicKeyProof(proof, allowed);
  }
}
