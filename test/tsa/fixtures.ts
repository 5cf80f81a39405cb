/** Shared helpers for the TSA tests: a fresh authority, custom chains for the refusals, openssl runs. */
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorityKeyIdExt, basicConstraintsCa, caName, type ExtensionSpec, keyIdentifier, keyUsage, subjectKeyIdExt } from '../../src/ca/extensions.js';
import { encodeTbs, randomSerial } from '../../src/ca/tbs.js';
import { signatureAlgorithmFor, signTbs } from '../../src/ca/x509-sign.js';
import type { Clock } from '../../src/clock.js';
import { toPem } from '../../src/core/pem.js';
import { generateTsaChain, timeStampingEku } from '../../src/tsa/tsa-chain.js';
import { type TsaMaterial, tsaFromPem } from '../../src/tsa/tsa-keys.js';
import { TimestampSigner } from '../../src/tsa/timestamp-signer.js';

export { fixedClock } from '../ca/fixtures.js';

export const pkcs8 = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }) as string;
export const newKey = (namedCurve = 'P-256'): KeyObject => generateKeyPairSync('ec', { namedCurve }).privateKey;
const spkiOf = (k: KeyObject): Buffer => createPublicKey(k).export({ type: 'spki', format: 'der' });

export interface TestTsa {
  readonly rootKey: KeyObject;
  readonly leafKey: KeyObject;
  readonly chainPem: string;
  readonly material: TsaMaterial;
  readonly signer: TimestampSigner;
}

export function makeTsa(clock?: Clock, organization = 'sealhouse'): TestTsa {
  const rootKey = newKey();
  const leafKey = newKey();
  const [leaf, root] = generateTsaChain(rootKey, leafKey, { organization, ...(clock ? { clock } : {}) });
  const chainPem = toPem(leaf) + toPem(root);
  const material = tsaFromPem(chainPem, pkcs8(leafKey), { source: 'test', ...(clock ? { now: clock.now() } : {}) });
  return { rootKey, leafKey, chainPem, material, signer: new TimestampSigner(material, clock) };
}

/** The extensions a correct TSA leaf has (as tsa-chain.ts writes them), to vary one at a time. */
export const goodLeafExtensions = (spki: Buffer, rootSki: Buffer): ExtensionSpec[] => [keyUsage('leaf'), timeStampingEku(), subjectKeyIdExt(keyIdentifier(spki)), authorityKeyIdExt(rootSki)];

/** A [leaf, root] chain whose leaf carries `extensions`, for the refusals. */
export function chainWithLeaf(
  extensions: (spki: Buffer, rootSki: Buffer) => ExtensionSpec[],
  opts: { leafNotAfter?: Date; leafCurve?: string } = {},
): { chainPem: string; leafKey: KeyObject; rootKey: KeyObject } {
  const rootKey = newKey();
  const leafKey = newKey(opts.leafCurve);
  const rootSpki = spkiOf(rootKey);
  const rootSki = keyIdentifier(rootSpki);
  const alg = signatureAlgorithmFor(rootKey);
  const rootName = caName('test', 'test-tsa-root');
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 86400_000);
  const root = signTbs(
    encodeTbs({ serial: randomSerial(), signatureAlgorithm: alg, issuer: rootName, subject: rootName, spki: rootSpki, notBefore, notAfter }, [keyUsage('ca'), basicConstraintsCa(0), subjectKeyIdExt(rootSki)]),
    rootKey,
    alg,
  );
  const leafSpki = spkiOf(leafKey);
  const leaf = signTbs(
    encodeTbs(
      { serial: randomSerial(), signatureAlgorithm: alg, issuer: rootName, subject: caName('test', 'test-tsa'), spki: leafSpki, notBefore, notAfter: opts.leafNotAfter ?? notAfter },
      extensions(leafSpki, rootSki),
    ),
    rootKey,
    alg,
  );
  return { chainPem: toPem(leaf) + toPem(root), leafKey, rootKey };
}

function inTempDir<T>(files: Record<string, string | Buffer>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-tsa-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl ts -query -data <data> <options>` as DER. */
export function opensslQuery(data: Buffer | string, options: readonly string[]): Buffer {
  return inTempDir({ data }, (d) => {
    execFileSync('openssl', ['ts', '-query', '-data', `${d}/data`, ...options, '-out', `${d}/q.tsq`], { stdio: ['ignore', 'pipe', 'pipe'] });
    return readFileSync(`${d}/q.tsq`);
  });
}

/** `openssl ts -verify <args>`: whether it printed "Verification: OK", and everything it said. */
export function opensslVerify(files: Record<string, string | Buffer>, args: (dir: string) => string[]): { ok: boolean; output: string } {
  return inTempDir(files, (d) => {
    try {
      const out = execFileSync('openssl', ['ts', '-verify', ...args(d)], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      return { ok: /Verification: OK/.test(out), output: out };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  });
}

/** `openssl ts -reply -in <response> -text`. */
export function opensslReplyText(response: Buffer): string {
  return inTempDir({ r: response }, (d) => execFileSync('openssl', ['ts', '-reply', '-in', `${d}/r`, '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** `openssl x509 -text` of a PEM certificate. */
export function opensslCertText(pem: string): string {
  return inTempDir({ c: pem }, (d) => execFileSync('openssl', ['x509', '-in', `${d}/c`, '-noout', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}
