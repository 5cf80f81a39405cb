/**
 * Assembling the CA side of a Sealhouse instance from its settings (DESIGN §4): the CA chain
 * (PEM files, or generated into `<dataDir>/ca`), the CT log key and log, the OIDC issuers (the
 * Fulcio-shaped config file, plus the development issuer when enabled), the CaService, and the
 * trust documents. The server and the CLI load keys and trees through the same functions here,
 * so `sealhouse trust-root` prints exactly what the server serves.
 */
import { join } from 'node:path';
import type { BatchObserver, GroupCommitOptions } from '../storage/group-commit.js';
import { treeCreatedAt } from '../ct/ct-store.js';
import type { Sql } from '../storage/sql.js';
import { TreeStore } from '../storage/tree-store.js';
import { type CaMaterial, loadCaFiles, loadOrCreateCa } from './ca-keys.js';
import { CaService } from './ca-service.js';
import { CT_TREE, CtLog } from '../ct/ct-log.js';
import { DevOidcIssuer } from '../oidc/dev-oidc.js';
import { type EcKey, loadOrCreateEcKey } from './key-file.js';
import { type FulcioConfig, loadFulcioConfig } from '../oidc/config.js';
import { EMPTY_FULCIO_CONFIG, withIssuer } from '../oidc/configuration.js';
import { httpGet } from '../oidc/http-get.js';
import { FulcioOidcVerifier } from '../oidc/verifier.js';
import { CryptoWorkers } from './crypto-workers.js';
import { type SigningConfigJson } from '../trust/signing-config.js';
import { signingConfigFor, trustedRootFor, baseUrlOf, type TrustInputs } from '../trust/trust-documents.js';
import type { TrustedRootJson } from '../trust/trusted-root.js';

/** The settings the CA reads (a subset of Config; see src/config.ts for each variable). */
export interface CaSettings {
  readonly dataDir: string;
  readonly publicUrl: URL;
  readonly caChainPath: string | undefined;
  readonly caKeyPath: string | undefined;
  readonly caKeyPassphrase: string | undefined;
  readonly ctKeyPath: string | undefined;
  readonly ctPrefix: string;
  readonly oidcConfigPath: string | undefined;
  readonly oidcSubChallenge: boolean;
  readonly oidcUrl: URL | undefined;
  readonly devOidc: boolean;
}

export const CT_KEY_FILE = 'ct-key.pem';

export interface CaKeys {
  readonly ca: CaMaterial;
  readonly ctKey: EcKey;
  readonly devIssuer: DevOidcIssuer | undefined;
}

/** The Rekor log's identity, from the log room (its key and tree). */
export interface RekorIdentity {
  readonly publicKey: Buffer;
  readonly treeId: number;
}

export interface TrustDocuments {
  readonly trustedRoot: TrustedRootJson;
  readonly signingConfig: SigningConfigJson;
}

export async function loadCaKeys(s: CaSettings): Promise<CaKeys> {
  const ca =
    s.caChainPath && s.caKeyPath
      ? await loadCaFiles({ chain: s.caChainPath, key: s.caKeyPath, ...(s.caKeyPassphrase ? { passphrase: s.caKeyPassphrase } : {}) })
      : await loadOrCreateCa(join(s.dataDir, 'ca'));
  const ctKey = loadOrCreateEcKey({ path: s.ctKeyPath, dataDir: s.dataDir, fileName: CT_KEY_FILE, what: 'the CT log key' });
  const devIssuer = s.devOidc ? await DevOidcIssuer.load(s.dataDir, s.publicUrl) : undefined;
  return { ca, ctKey, devIssuer };
}

export const ctBaseUrl = (s: CaSettings): string => `${baseUrlOf(s.publicUrl)}${s.ctPrefix}`;

async function documents(sql: Sql, s: CaSettings, keys: CaKeys, rekor: RekorIdentity, ct: { publicKey: Buffer; treeId: number }): Promise<TrustDocuments> {
  const inputs: TrustInputs = {
    publicUrl: s.publicUrl,
    rekor: { publicKey: rekor.publicKey, createdAt: await treeCreatedAt(sql, rekor.treeId) },
    ct: { publicKey: ct.publicKey, createdAt: await treeCreatedAt(sql, ct.treeId), baseUrl: ctBaseUrl(s) },
    caChain: keys.ca.chain,
    oidcUrls: [s.oidcUrl?.href.replace(/\/+$/, '') ?? keys.devIssuer?.issuerUrl].filter((u): u is string => u !== undefined),
  };
  return { trustedRoot: trustedRootFor(inputs), signingConfig: signingConfigFor(inputs) };
}

/** Trust documents without a running CT log (the CLI): open the CT tree as the server would. */
export async function trustDocumentsFor(sql: Sql, s: CaSettings, keys: CaKeys, rekor: RekorIdentity): Promise<TrustDocuments> {
  const tree = await TreeStore.open(sql, CT_TREE);
  const publicKey = keys.ctKey.publicKey.export({ type: 'spki', format: 'der' });
  await tree.bindPublicKey(publicKey);
  return documents(sql, s, keys, rekor, { publicKey, treeId: tree.treeId });
}

export async function issuerConfig(s: CaSettings, devIssuer: DevOidcIssuer | undefined): Promise<FulcioConfig> {
  const fromFile = s.oidcConfigPath ? await loadFulcioConfig(s.oidcConfigPath) : EMPTY_FULCIO_CONFIG;
  return devIssuer ? withIssuer(fromFile, devIssuer.issuerConfig()) : fromFile;
}

export interface CaRuntime {
  readonly keys: CaKeys;
  readonly ct: CtLog;
  readonly service: CaService;
  readonly issuers: FulcioConfig;
  readonly documents: TrustDocuments;
  /** Commit what the CT log has queued, refuse new submissions, stop the signing workers. */
  close(): Promise<void>;
}

export interface CaRuntimeOptions extends GroupCommitOptions {
  readonly onIssued?: () => void;
  readonly onTokenRefused?: (reason: string) => void;
  readonly observer?: BatchObserver;
}

export async function openCa(sql: Sql, s: CaSettings, rekor: RekorIdentity, options: CaRuntimeOptions): Promise<CaRuntime> {
  const keys = await loadCaKeys(s);
  // caFromPem has checked that the chain ends at a self-signed root: the CT log accepts that root.
  const root = keys.ca.chain[keys.ca.chain.length - 1] as Buffer;
  const ct = await CtLog.open(sql, { ...options, key: keys.ctKey.privateKey, roots: [root] });
  const issuers = await issuerConfig(s, keys.devIssuer);
  const verifier = new FulcioOidcVerifier({
    config: issuers,
    acceptSubjectChallengeForEmail: s.oidcSubChallenge,
    ...(keys.devIssuer ? { get: keys.devIssuer.localGet(httpGet) } : {}),
  });
  const workers = new CryptoWorkers(keys.ca.privateKey);
  const service = new CaService({
    ca: keys.ca,
    ct,
    verifier,
    workers,
    ...(options.onIssued ? { onIssued: options.onIssued } : {}),
    ...(options.onTokenRefused ? { onTokenRefused: options.onTokenRefused } : {}),
  });
  return {
    keys,
    ct,
    service,
    issuers,
    documents: await documents(sql, s, keys, rekor, { publicKey: ct.signer.spki, treeId: ct.treeId }),
    close: async () => {
      await ct.close();
      await workers.close();
    },
  };
}
