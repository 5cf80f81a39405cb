/**
 * Sealhouse's trust documents — `trusted_root.json` (reference §4.1) and `signing_config.json`
 * v0.2 (§4.2) — from the running instance's keys, CA chain and trees. The server's routes and the
 * `sealhouse trust-root` / `signing-config` commands both call this with the same inputs, so the
 * copy carried into an air-gapped network is byte for byte what the server serves.
 *
 * Every log is listed shard by shard (storage/log-shards.ts), each with its own key: a shard's
 * validFor opens when it started taking entries and a frozen one's closes when it stopped, each
 * widened by a minute, so a clock of a database or another process slightly off this one's
 * cannot leave an entry outside its window — clients check that `integratedTime` and SCT
 * timestamps fall inside (reference §8 item 7). The CA opens at its issuing certificate's
 * notBefore, the first TSA at its leaf's; a retired CA's or TSA's window ends where
 * storage/authority-epochs.ts closed it, and the next one opens there.
 *
 * Rekor v1 and v2 are listed side by side (sigstore-2026.md §1): v1 for the clients that only
 * speak it (cosign < 3.0.5, gitsign, sigstore-js's sign()), v2 for what cosign v3, sigstore-go
 * and sigstore-python pick when a signing config offers it. Both share the base URL — their
 * write paths are /api/v1/log/entries and /api/v2/log/entries, and v2's tiles sit at its root
 * as rekor-tiles serves them. A client tells the two apart by majorApiVersion and logId.
 */
import { buildSigningConfig, type ServiceInput, type SigningConfigJson } from './signing-config.js';
import { buildTrustedRoot, noteKeyIdOf, type TrustedRootJson } from './trusted-root.js';

/** One shard of a log: its key and the time it took entries in. */
export interface LogTrust {
  /** DER SubjectPublicKeyInfo of the shard's key. */
  readonly publicKey: Buffer;
  /** When the shard started taking entries (the first shard: when its tree was created). */
  readonly activeFrom: Date;
  /** When a rotation froze it; undefined for the shard in use. */
  readonly frozenAt?: Date;
}

export interface TrustInputs {
  /** SEALHOUSE_URL: where Rekor and Fulcio are served, and the checkpoint signer's host. */
  readonly publicUrl: URL;
  /** The Rekor v1 log's shards, oldest first (all served at the base URL: v1's API spans them). */
  readonly rekor: readonly LogTrust[];
  /** The CT log's shards, oldest first, each at its own base URL. */
  readonly ct: readonly (LogTrust & { readonly baseUrl: string })[];
  /** Every CA the instance has issued under, oldest first, each chain [issuing, …, root] (DER); the last is in use. */
  readonly ca: readonly AuthorityWindow[];
  /** Identity providers clients may log in with (signing_config oidcUrls). */
  readonly oidcUrls: readonly string[];
  /** The Rekor v2 log's shards when offered (SEALHOUSE_REKOR_V2), oldest first: each an Ed25519 key, base URL and checkpoint origin. */
  readonly rekorV2?: readonly (LogTrust & { readonly baseUrl: string; readonly origin: string })[];
  /**
   * The timestamp authority's full URL and every authority it has used, oldest first: each
   * chain [leaf, …, root] (DER) with its validFor; the last is the one in use.
   */
  readonly tsa?: { readonly url: string; readonly authorities: readonly AuthorityWindow[] };
}

/** A certificate authority and the window in which what it signed is trusted. */
export interface AuthorityWindow {
  readonly chain: readonly Buffer[];
  readonly validFrom: Date;
  readonly validUntil?: Date;
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

export function logValidFrom(activeFrom: Date): Date {
  return new Date(Math.floor((activeFrom.getTime() - SKEW_ALLOWANCE_MS) / 1000) * 1000);
}

export function logValidUntil(frozenAt: Date): Date {
  return new Date(Math.ceil((frozenAt.getTime() + SKEW_ALLOWANCE_MS) / 1000) * 1000);
}

/** A shard's key window in the trusted root. */
const shardWindow = (shard: LogTrust): { validFrom: Date; validTo?: Date } => ({
  validFrom: logValidFrom(shard.activeFrom),
  ...(shard.frozenAt ? { validTo: logValidUntil(shard.frozenAt) } : {}),
});

const inUse = <T extends LogTrust>(shards: readonly T[], what: string): T => {
  const shard = shards.find((s) => s.frozenAt === undefined);
  if (!shard) throw new Error(`no ${what} shard is in use`);
  return shard;
};

export function trustedRootFor(inputs: TrustInputs): TrustedRootJson {
  const base = baseUrlOf(inputs.publicUrl);
  return buildTrustedRoot({
    tlogs: [
      ...inputs.rekor.map((shard) => ({ baseUrl: base, publicKey: shard.publicKey, ...shardWindow(shard) })),
      ...(inputs.rekorV2 ?? []).map((shard) => ({ baseUrl: shard.baseUrl, publicKey: shard.publicKey, ...shardWindow(shard), keyId: noteKeyIdOf(shard.origin, shard.publicKey) })),
    ],
    certificateAuthorities: inputs.ca.map((a) => ({ uri: base, chain: a.chain, validFrom: a.validFrom, ...(a.validUntil ? { validTo: a.validUntil } : {}) })),
    ctlogs: inputs.ct.map((shard) => ({ baseUrl: shard.baseUrl, publicKey: shard.publicKey, ...shardWindow(shard) })),
    timestampAuthorities: (inputs.tsa?.authorities ?? []).map((a) => ({
      uri: inputs.tsa?.url ?? '',
      chain: a.chain,
      validFrom: a.validFrom,
      ...(a.validUntil ? { validTo: a.validUntil } : {}),
    })),
  });
}

/**
 * The v2 log's `validFor.start` in the signing config, which is what clients choose by, not what
 * they verify against (that is the trusted root's window). sigstore-js 4.x's
 * bundleBuilderFromSigningConfig takes the log with the newest start whatever its version, and
 * sends DSSE to Rekor v2 in the dsseRequestV002 form v2 refuses; cosign v3, sigstore-go and
 * sigstore-python pick the highest version they support and never look at the start. Listing v2
 * as strictly older than v1 keeps sigstore-js on v1 and leaves the others on v2. An earlier start
 * admits no entry that is not there: nothing was logged to v2 before its tree existed.
 */
function v2SelectionStart(v2Start: Date, v1Start: Date): Date {
  return new Date(Math.min(v2Start.getTime(), v1Start.getTime() - 1000));
}

export function signingConfigFor(inputs: TrustInputs): SigningConfigJson {
  const base = baseUrlOf(inputs.publicUrl);
  const operator = inputs.publicUrl.hostname;
  const caInUse = inputs.ca.find((a) => a.validUntil === undefined) ?? inputs.ca[inputs.ca.length - 1];
  if (!caInUse) throw new Error('no certificate authority to list');
  const ca: ServiceInput = { url: base, validFrom: caInUse.validFrom, operator };
  // Clients write to the v2 shard in use; v1's API at the base URL spans its shards.
  const v2 = inputs.rekorV2 && inputs.rekorV2.length > 0 ? inUse(inputs.rekorV2, 'Rekor v2') : undefined;
  const v1Start = logValidFrom((inputs.rekor[0] ?? inUse(inputs.rekor, 'Rekor v1')).activeFrom);
  const tsaInUse = inputs.tsa?.authorities.find((a) => a.validUntil === undefined);
  return buildSigningConfig({
    caUrls: [ca],
    oidcUrls: inputs.oidcUrls.map((url) => ({ ...ca, url })),
    rekorTlogUrls: [
      { url: base, majorApiVersion: 1, validFrom: v1Start, operator },
      ...(v2 ? [{ url: v2.baseUrl, majorApiVersion: 2, validFrom: v2SelectionStart(logValidFrom(v2.activeFrom), v1Start), operator }] : []),
    ],
    ...(tsaInUse && inputs.tsa ? { tsaUrls: [{ url: inputs.tsa.url, validFrom: tsaInUse.validFrom, operator }] } : {}),
  });
}
