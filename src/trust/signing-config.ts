/**
 * Builds `signing_config.json`: protobuf-specs `dev.sigstore.trustroot.v1.SigningConfig` v0.2
 * (reference §4.2; https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_trustroot.proto).
 *
 *   { "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
 *     "caUrls": [{ "url": "https://sealhouse.example", "majorApiVersion": 1, "validFor": { "start": "…" }, "operator": "example.com" }],
 *     "oidcUrls": […], "rekorTlogUrls": […], "rekorTlogConfig": { "selector": "ANY" }, "tsaUrls": [] }
 *
 * URLs are base URLs (clients append /api/v2/signingCert, /api/v1/log/entries, /api/v2/log/entries),
 * except a TSA's, which is the full timestamp URL (…/api/v1/timestamp) as clients POST to it. `tsaConfig` is
 * written only when there is a TSA: @sigstore/sign 4.x throws "No valid TSAs found" when
 * tsaConfig is present but tsaUrls is empty. Without `rekorTlogConfig` it would upload nothing.
 */
import { rfc3339, type TimeRangeJson } from './trusted-root.js';

export const SIGNING_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';

export interface ServiceJson {
  url: string;
  majorApiVersion: number;
  validFor: TimeRangeJson;
  operator: string;
}

export interface SigningConfigJson {
  mediaType: string;
  caUrls: ServiceJson[];
  oidcUrls: ServiceJson[];
  rekorTlogUrls: ServiceJson[];
  rekorTlogConfig: { selector: 'ANY' };
  tsaUrls: ServiceJson[];
  tsaConfig?: { selector: 'ANY' };
}

export interface ServiceInput {
  readonly url: string;
  /** 1 for Fulcio v2 API, Rekor v1 API and the TSA; 2 for the Rekor v2 log. */
  readonly majorApiVersion?: number;
  readonly validFrom: Date;
  readonly validTo?: Date;
  readonly operator: string;
}

function service(s: ServiceInput): ServiceJson {
  const validFor: TimeRangeJson = { start: rfc3339(s.validFrom) };
  if (s.validTo) validFor.end = rfc3339(s.validTo);
  return { url: s.url.replace(/\/+$/, ''), majorApiVersion: s.majorApiVersion ?? 1, validFor, operator: s.operator };
}

export function buildSigningConfig(input: {
  caUrls: readonly ServiceInput[];
  oidcUrls: readonly ServiceInput[];
  rekorTlogUrls: readonly ServiceInput[];
  tsaUrls?: readonly ServiceInput[];
}): SigningConfigJson {
  const tsaUrls = (input.tsaUrls ?? []).map(service);
  return {
    mediaType: SIGNING_CONFIG_MEDIA_TYPE,
    caUrls: input.caUrls.map(service),
    oidcUrls: input.oidcUrls.map(service),
    rekorTlogUrls: input.rekorTlogUrls.map(service),
    rekorTlogConfig: { selector: 'ANY' },
    tsaUrls,
    ...(tsaUrls.length > 0 ? { tsaConfig: { selector: 'ANY' as const } } : {}),
  };
}

/** Sealhouse serves both Fulcio and Rekor from one base URL; the OIDC issuer is separate (optional). */
export function sealhouseSigningConfig(input: { baseUrl: string; oidcUrl?: string; validFrom: Date; operator: string }): SigningConfigJson {
  const at = (url: string): ServiceInput => ({ url, validFrom: input.validFrom, operator: input.operator });
  return buildSigningConfig({
    caUrls: [at(input.baseUrl)],
    oidcUrls: input.oidcUrl ? [at(input.oidcUrl)] : [],
    rekorTlogUrls: [at(input.baseUrl)],
  });
}
