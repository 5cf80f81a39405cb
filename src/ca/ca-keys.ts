/**
 * The CA material the leaf builder signs with: generated into a directory on first start, or
 * brought by an enterprise as PEM files (issuing cert + key, and the chain up to its root).
 * Checks follow Fulcio's file CA (pkg/ca/common.go VerifyCertChain,
 * https://github.com/sigstore/fulcio/blob/main/pkg/ca/common.go) plus what sigstore-js needs
 * for path building (reference §2.1: the issuing certificate must carry an SKI).
 *
 * Directory layout when generated (keys are PKCS#8 PEM, mode 0600; the directory 0700):
 *   root.pem  root-key.pem  intermediate.pem  intermediate-key.pem  chain.pem (intermediate, root)
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bufferOf } from '../buffer-view.js';
import { certificatesFromPem, pemBlocks, toPem } from '../core/pem.js';
import { readCertificate, subjectKeyId } from '../core/x509-raw.js';
import { coreCall, SealhouseError } from '../errors.js';
import { checkKeyFileMode } from '../private-files.js';
import { type CaGenerationOptions, generateCaChain, type GeneratedCa } from './ca-chain.js';
import { OID } from './extensions.js';
import type { IssuingCa } from './leaf-certificate.js';
import { acceptPublicKey } from './public-key.js';

export interface CaMaterial extends IssuingCa {
  /** The issuing certificate (chain[0]), DER. */
  readonly certificate: Buffer;
  /** Its SubjectPublicKeyInfo: the CT log hashes this into every precert entry. */
  readonly spki: Buffer;
  readonly notAfter: Date;
  /** [issuing, …, root], DER; what the trusted root's certChain and add-pre-chain carry. */
  readonly chain: readonly Buffer[];
  readonly chainPem: readonly string[];
}

const fail = (message: string): SealhouseError => new SealhouseError('malformed_key', message);
const KEY_LABELS = new Set(['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

/** A PEM private key, possibly encrypted; `what` names it in errors (the TSA's key loads through here too). */
export function parsePrivateKey(keyPem: string, passphrase?: string, what = 'CA private key'): KeyObject {
  const blocks = coreCall(() => pemBlocks(keyPem, { what, allowNone: true })).filter((b) => KEY_LABELS.has(b.label));
  const [block] = blocks;
  if (blocks.length !== 1 || !block) throw fail(`${what}: expected exactly one PKCS#8, SEC1 or PKCS#1 PEM block`);
  try {
    return createPrivateKey({ key: toPem(block.der, block.label), format: 'pem', passphrase });
  } catch {
    // The underlying message can mention decoder internals; never anything about the key itself.
    throw fail(`${what} (${block.label}) could not be decoded${block.label.startsWith('ENCRYPTED') ? ' (wrong or missing passphrase?)' : ''}`);
  }
}

function checkChain(certs: X509Certificate[]): void {
  for (let i = 0; i < certs.length; i++) {
    const cert = certs[i] as X509Certificate;
    const parent = certs[i + 1] ?? cert;
    if (!cert.checkIssued(parent) || !cert.verify(parent.publicKey)) {
      throw fail(i + 1 < certs.length ? `CA chain: certificate ${i} is not signed by certificate ${i + 1}` : 'CA chain: the last certificate is not a self-signed root');
    }
    if (!cert.ca) throw fail(`CA chain: certificate ${i} is not a CA (BasicConstraints CA:TRUE missing)`);
  }
}

/** Validate and assemble CA material from PEM text: the chain starts with the issuing certificate. */
export function caFromPem(chainPem: string, keyPem: string, passphrase?: string, now: Date = new Date()): CaMaterial {
  const chain = coreCall(() => certificatesFromPem(chainPem, 'CA certificate chain')).map(bufferOf);
  let certs: X509Certificate[];
  try {
    certs = chain.map((der) => new X509Certificate(der));
  } catch {
    throw fail('CA certificate chain: a certificate could not be parsed');
  }
  checkChain(certs);
  const issuing = certs[0] as X509Certificate;
  const raw = coreCall(() => readCertificate(chain[0] as Buffer));
  const privateKey = parsePrivateKey(keyPem, passphrase);
  if (!createPublicKey(privateKey).equals(issuing.publicKey)) throw fail('CA private key does not match the issuing certificate');
  try {
    acceptPublicKey(issuing.publicKey);
  } catch (err) {
    throw fail(`CA key is too weak: ${(err as Error).message}`);
  }
  const ku = raw.extensions.find((e) => e.oid === OID.keyUsage);
  // extnValue is `03 len unused byte0 …`; keyCertSign is bit 5, i.e. 0x04 in byte0.
  if (ku && ((ku.value[3] ?? 0) & 0x04) === 0) throw fail('issuing certificate KeyUsage lacks keyCertSign');
  if (chain.length > 1 && !(issuing.keyUsage ?? []).includes(OID.codeSigning)) {
    throw fail('issuing intermediate must have ExtendedKeyUsage codeSigning (as Fulcio requires)');
  }
  const skiBytes = coreCall(() => subjectKeyId(raw));
  const ski = skiBytes === undefined ? undefined : bufferOf(skiBytes);
  if (!ski) throw fail('issuing certificate has no SubjectKeyIdentifier; sigstore clients chain leaves by AKI → SKI');
  const notAfter = new Date(issuing.validTo);
  if (notAfter <= now) throw fail(`issuing certificate expired at ${notAfter.toISOString()}`);
  return {
    certificate: bufferOf(raw.der),
    subject: bufferOf(raw.subject),
    subjectKeyId: ski,
    spki: bufferOf(raw.spki),
    privateKey,
    notAfter,
    chain,
    chainPem: chain.map((der) => toPem(der)),
  };
}

export async function loadCaFiles(paths: { chain: string; key: string; passphrase?: string }): Promise<CaMaterial> {
  checkKeyFileMode(paths.key, 'the CA private key');
  const [chainPem, keyPem] = await Promise.all([readFile(paths.chain, 'utf8'), readFile(paths.key, 'utf8')]);
  return caFromPem(chainPem, keyPem, paths.passphrase);
}

const exists = (path: string): Promise<boolean> =>
  readFile(path).then(
    () => true,
    () => false,
  );

/**
 * Load the complete CA directory `dir`, never generating: a running server reloading after
 * `sealhouse rotate ca` must not create a CA in the moment between the CLI's two renames.
 */
export async function loadCaDirectory(dir: string): Promise<CaMaterial> {
  const file = (name: string): string => join(dir, name);
  if (!(await exists(file('chain.pem')))) throw fail(`CA directory ${dir} has no chain.pem (yet)`);
  // The root key is not used while serving, but it is the most valuable file here.
  checkKeyFileMode(file('root-key.pem'), 'the CA root key');
  return loadCaFiles({ chain: file('chain.pem'), key: file('intermediate-key.pem') });
}

/**
 * Load the CA from `dir`, generating a fresh root + intermediate there on first start.
 * `chain.pem` is written last (via rename), so its presence means the directory is complete.
 */
export async function loadOrCreateCa(dir: string, opts: CaGenerationOptions = {}): Promise<CaMaterial> {
  const file = (name: string): string => join(dir, name);
  if (await exists(file('chain.pem'))) return loadCaDirectory(dir);
  if (await exists(file('intermediate-key.pem'))) throw fail(`CA directory ${dir} is incomplete (no chain.pem); refusing to overwrite its keys`);

  const ca = generateCaChain(opts);
  await writeCaDirectory(dir, ca);
  return caFromPem(toPem(ca.intermediate) + toPem(ca.root), pkcs8Pem(ca.intermediateKey));
}

const pkcs8Pem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }) as string;

/**
 * The CA directory's layout (what loadOrCreateCa reads): the two keys 0600, the two
 * certificates, and chain.pem written last, by rename, so its presence means the rest is there.
 * Never overwrites a file.
 */
export async function writeCaDirectory(dir: string, ca: GeneratedCa): Promise<void> {
  const file = (name: string): string => join(dir, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const secret = { mode: 0o600, flag: 'wx' } as const;
  await writeFile(file('root-key.pem'), pkcs8Pem(ca.rootKey), secret);
  await writeFile(file('intermediate-key.pem'), pkcs8Pem(ca.intermediateKey), secret);
  await chmod(file('root-key.pem'), 0o600);
  await chmod(file('intermediate-key.pem'), 0o600);
  await writeFile(file('root.pem'), toPem(ca.root), { flag: 'wx' });
  await writeFile(file('intermediate.pem'), toPem(ca.intermediate), { flag: 'wx' });
  const tmp = file(`.chain.pem.${process.pid}.tmp`);
  await writeFile(tmp, toPem(ca.intermediate) + toPem(ca.root));
  await rename(tmp, file('chain.pem'));
}
