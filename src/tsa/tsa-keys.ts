/**
 * The timestamp authority's signing key and certificate chain [leaf, …, root]: brought as PEM
 * files (SEALHOUSE_TSA_CHAIN leaf first, SEALHOUSE_TSA_KEY, optionally encrypted), or generated
 * into `<dataDir>/tsa/` on first start and reused ever after, so tokens already issued keep
 * verifying against the trusted root clients hold.
 *
 * Directory layout when generated (keys PKCS#8 PEM 0600 through key-file.ts, the directory 0700):
 *   root-key.pem  tsa-key.pem  root.pem  chain.pem (leaf, root)
 * chain.pem appears last and atomically, so its presence means the directory is complete; keys
 * without it mean a first start stopped half way, before any token was signed, and the chain is
 * built again over the same keys.
 *
 * A chain is checked the way clients will check its tokens (RFC 3161 §2.3; timestamp-authority
 * pkg/x509 VerifyCertChain): the leaf has a critical EKU of exactly timeStamping and is no CA,
 * every certificate is signed by the next, the last is a self-signed root, all are valid now,
 * and the key is the leaf's. The path check is core's (core/bundle/certificate-chain.ts), the
 * one every TSA token is verified with, so a chain this loader accepts is one our verifier
 * accepts. Only ECDSA keys: sigstore-js verifies nothing else in a timestamp.
 */
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bufferOf } from '../buffer-view.js';
import { parsePrivateKey } from '../ca/ca-keys.js';
import { systemClock } from '../clock.js';
import { chainToAuthorities } from '../core/bundle/certificate-chain.js';
import { BundleVerificationError } from '../core/bundle/errors.js';
import { certificatesFromPem, toPem } from '../core/pem.js';
import { parseCertificate } from '../core/x509.js';
import { coreCall, SealhouseError } from '../errors.js';
import { loadEcKey, loadOrCreateEcKey } from '../key-file.js';
import { nodeCrypto } from '../node-crypto.js';
import { checkKeyFileMode } from '../private-files.js';
import { generateTsaChain, type TsaChainOptions } from './tsa-chain.js';

export interface TsaMaterial {
  readonly privateKey: KeyObject;
  /** [leaf, …, root], DER: what the certchain endpoint serves and the trusted root lists. */
  readonly chain: readonly Buffer[];
  /** The same chain as PEM text, leaf first (GET /api/v1/timestamp/certchain). */
  readonly chainPem: string;
  /** Where it came from, for the start-up log line. */
  readonly source: string;
}

/** More than any real chain; bounds the work a configured file can cause. */
const MAX_CHAIN = 10;
const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

const fail = (message: string): SealhouseError => new SealhouseError('malformed_key', message);

function checkChain(chain: readonly Buffer[], what: string, now: Date): void {
  if (chain.length < 2) throw fail(`${what}: expected the TSA certificate followed by its root (at least two certificates), found ${chain.length}`);
  if (chain.length > MAX_CHAIN) throw fail(`${what}: more than ${MAX_CHAIN} certificates`);
  let root: X509Certificate;
  try {
    root = new X509Certificate(chain[chain.length - 1] as Buffer);
  } catch {
    throw fail(`${what}: the last certificate could not be parsed`);
  }
  if (!root.checkIssued(root) || !root.verify(root.publicKey)) throw fail(`${what}: the last certificate is not a self-signed root`);
  try {
    const issuers = chain.slice(1).map((der) => parseCertificate(der));
    chainToAuthorities(nodeCrypto, chain[0] as Buffer, [{ name: 'the TSA root', uri: '', certificates: issuers }], now, 'Time Stamping');
  } catch (err) {
    // The verifier's failure class ("certificate-usage: …") means nothing to an operator.
    const message = err instanceof BundleVerificationError ? err.message.slice(err.code.length + 2) : (err as Error).message;
    throw fail(`${what}: ${message}`);
  }
}

/** Check a chain (PEM, leaf first) and the key that signs with its leaf. */
function assemble(chainPem: string, privateKey: KeyObject, source: string, now: Date): TsaMaterial {
  const what = `the TSA certificate chain (${source})`;
  const chain = coreCall(() => certificatesFromPem(chainPem, what)).map(bufferOf);
  checkChain(chain, what, now);
  const curve = privateKey.asymmetricKeyDetails?.namedCurve ?? '';
  if (privateKey.asymmetricKeyType !== 'ec' || !EC_CURVES.has(curve)) {
    throw fail(`the TSA private key is ${privateKey.asymmetricKeyType ?? 'unknown'}${curve ? ` ${curve}` : ''}; it must be ECDSA P-256, P-384 or P-521 (sigstore-js verifies only ECDSA timestamps)`);
  }
  if (!createPublicKey(privateKey).equals(new X509Certificate(chain[0] as Buffer).publicKey)) throw fail('the TSA private key does not match the TSA certificate (the first in the chain)');
  return { privateKey, chain, chainPem: chain.map((der) => toPem(der)).join(''), source };
}

/** Validate and assemble TSA material from PEM text: the chain starts with the TSA certificate. */
export function tsaFromPem(chainPem: string, keyPem: string, opts: { passphrase?: string; source: string; now?: Date }): TsaMaterial {
  return assemble(chainPem, parsePrivateKey(keyPem, opts.passphrase, 'the TSA private key'), opts.source, opts.now ?? new Date());
}

/** SEALHOUSE_TSA_CHAIN + SEALHOUSE_TSA_KEY (+ SEALHOUSE_TSA_KEY_PASSPHRASE). */
export async function loadTsaFiles(paths: { chain: string; key: string; passphrase?: string | undefined }): Promise<TsaMaterial> {
  checkKeyFileMode(paths.key, 'the TSA private key');
  const read = (path: string, what: string): Promise<string> =>
    readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw fail(`cannot read ${what} file ${path}: ${err.code ?? 'error'}`);
    });
  const [chainPem, keyPem] = await Promise.all([read(paths.chain, 'the TSA certificate chain'), read(paths.key, 'the TSA private key')]);
  return tsaFromPem(chainPem, keyPem, { ...(paths.passphrase ? { passphrase: paths.passphrase } : {}), source: paths.chain });
}

const CHAIN_FILE = 'chain.pem';

/**
 * The complete generated TSA directory `dir`, never generating anything: what a running server
 * reloads after `sealhouse rotate tsa`, when the directory may be between the CLI's renames.
 */
export async function loadTsaDirectory(dir: string): Promise<TsaMaterial> {
  const chainPem = await readFile(join(dir, CHAIN_FILE), 'utf8').catch(() => undefined);
  if (chainPem === undefined) throw fail(`TSA directory ${dir} has no ${CHAIN_FILE} (yet)`);
  const leafKey = loadEcKey(join(dir, 'tsa-key.pem'), { what: 'the TSA signing key' });
  return assemble(chainPem, leafKey.privateKey, dir, systemClock.now());
}

/** The TSA in `dir`, generated there on first start (see the layout above). */
export async function loadOrCreateTsa(dir: string, opts: TsaChainOptions = {}): Promise<TsaMaterial> {
  const file = (name: string): string => join(dir, name);
  const rootKey = loadOrCreateEcKey({ dataDir: dir, fileName: 'root-key.pem', what: 'the TSA root key' });
  const leafKey = loadOrCreateEcKey({ dataDir: dir, fileName: 'tsa-key.pem', what: 'the TSA signing key' });
  let chainPem = await readFile(file(CHAIN_FILE), 'utf8').catch(() => undefined);
  if (chainPem === undefined) {
    const [leaf, root] = generateTsaChain(rootKey.privateKey, leafKey.privateKey, opts);
    // link() refuses to replace: of two first starts racing here, one chain wins and both load it.
    const tmp = file(`.${CHAIN_FILE}.${process.pid}.tmp`);
    await writeFile(tmp, toPem(leaf) + toPem(root));
    await link(tmp, file(CHAIN_FILE)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await unlink(tmp);
    chainPem = await readFile(file(CHAIN_FILE), 'utf8');
    // The root alone, for `openssl ts -verify -CAfile`: the winning chain's.
    const certs = coreCall(() => certificatesFromPem(chainPem as string, 'the TSA certificate chain'));
    await writeFile(file('root.pem'), toPem(certs[certs.length - 1] as Uint8Array));
  }
  return assemble(chainPem, leafKey.privateKey, dir, (opts.clock ?? systemClock).now());
}
