/**
 * Sealhouse's trust documents — `trusted_root.json` (reference §4.1) and `signing_config.json`
 * v0.2 (§4.2) — from the running instance's keys, CA chain and trees. The server's routes and the
 * `sealhouse trust-root` / `signing-config` commands both call this with the same inputs, so the
 * copy carried into an air-gapped network is byte for byte what the server serves.
 *
 * validFor starts: each log at its tree's creation (minus a minute, so a database clock slightly
 * ahead of this process cannot leave the first entries outside the window — clients check that
 * `integratedTime` and SCT timestamps fall inside, reference §8 item 7); the CA at its issuing
 * certificate's notBefore. Neither ends: Sealhouse has no key rotation.
 */
import { X509Certificate } from 'node:crypto';
import { buildSigningConfig, type ServiceInput, type SigningConfigJson } from './signing-config.js';
import { buildTrustedRoot, type TrustedRootJson } from './trusted-root.js';

export interface LogTrust {
  /** DER SubjectPublicKeyInfo of the log key. */
  readonly publicKey: Buffer;
  /** When its tree was created (trees.created_at). */
  readonly createdAt: Date;
}

export interface TrustInputs {
  /** SEALHOUSE_URL: where Rekor and Fulcio are served, and the checkpoint signer's host. */
  readonly publicUrl: URL;
  readonly rekor: LogTrust;
  readonly ct: LogTrust & { readonly baseUrl: string };
  /** [issuing, …, root], DER. */
  readonly caChain: readonly Buffer[];
  /** Identity providers clients may log in with (signing_config oidcUrls). */
  readonly oidcUrls: readonly string[];
}

/** What the server serves and `sealhouse trust-root` / `signing-config` print. */
export interface TrustDocuments {
  readonly trustedRoot: TrustedRootJson;
  readonly signingConfig: SigningConfigJson;
}

export function trustDocumentsOf(inputs: TrustInputs): TrustDocuments {
  return { trustedRoot: trustedRootFor(inputs), signingConfig: signingConfigFor(inputs) };
}

const SKEW_ALLOWANCE_MS = 60_000;

export const baseUrlOf = (url: URL): string => url.href.replace(/\/+$/, '');

export function logValidFrom(createdAt: Date): Date {
  return new Date(Math.floor((createdAt.getTime() - SKEW_ALLOWANCE_MS) / 1000) * 1000);
}

function caValidFrom(chain: readonly Buffer[]): Date {
  const [issuing] = chain;
  if (!issuing) throw new Error('the CA chain is empty');
  return new Date(new X509Certificate(issuing).validFrom);
}

export function trustedRootFor(inputs: TrustInputs): TrustedRootJson {
  const base = baseUrlOf(inputs.publicUrl);
  return buildTrustedRoot({
    tlogs: [{ baseUrl: base, publicKey: inputs.rekor.publicKey, validFrom: logValidFrom(inputs.rekor.createdAt) }],
    certificateAuthorities: [{ uri: base, chain: inputs.caChain, validFrom: caValidFrom(inputs.caChain) }],
    ctlogs: [{ baseUrl: inputs.ct.baseUrl, publicKey: inputs.ct.publicKey, validFrom: logValidFrom(inputs.ct.createdAt) }],
  });
}

export function signingConfigFor(inputs: TrustInputs): SigningConfigJson {
  const base = baseUrlOf(inputs.publicUrl);
  const operator = inputs.publicUrl.hostname;
  const ca: ServiceInput = { url: base, validFrom: caValidFrom(inputs.caChain), operator };
  return buildSigningConfig({
    caUrls: [ca],
    oidcUrls: inputs.oidcUrls.map((url) => ({ ...ca, url })),
    rekorTlogUrls: [{ url: base, validFrom: logValidFrom(inputs.rekor.createdAt), operator }],
  });
}
